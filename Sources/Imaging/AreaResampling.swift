/// OpenCV's `cv::resize(..., INTER_AREA)` for 8-bit images shrinking along both axes (the only case where OpenCV
/// averages areas; kohya sd-scripts uses it exactly then). Reproduces OpenCV's arithmetic: integer factors average
/// whole blocks, others weight each source pixel by its overlap in `float`, rows then columns, and round half to even.
enum AreaResampling {
    static func resize(_ image: Image, width: Int, height: Int) -> Image {
        precondition(width <= image.width && height <= image.height, "area resampling only shrinks")
        // OpenCV derives the scale by inverting the inverse scale; keep that double rounding.
        let scaleX = 1 / (Double(width) / Double(image.width))
        let scaleY = 1 / (Double(height) / Double(image.height))
        let (integerX, integerY) = (scaleX.rounded(.toNearestOrEven), scaleY.rounded(.toNearestOrEven))
        if abs(scaleX - integerX) < Double.ulpOfOne, abs(scaleY - integerY) < Double.ulpOfOne {
            return integerFactor(image, width: width, height: height, factorX: Int(integerX), factorY: Int(integerY))
        }
        return fractionalFactor(image, width: width, height: height, scaleX: scaleX, scaleY: scaleY)
    }

    /// `resizeAreaFast_`: the mean of each factorX × factorY block. OpenCV's 2×2 path for 1, 3 or 4 channels
    /// rounds half up, `(sum + 2) >> 2`; every other factor multiplies by `1.f / area` and rounds half to even.
    private static func integerFactor(_ image: Image, width: Int, height: Int, factorX: Int, factorY: Int) -> Image {
        let channels = image.channels
        let area = factorX * factorY
        let inverseArea = 1 / Float(area)
        let halfUpPairs = factorX == 2 && factorY == 2
        var out = [UInt8](repeating: 0, count: width * height * channels)
        image.pixels.withUnsafeBufferPointer { source in
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<channels {
                        var sum = 0
                        for dy in 0..<factorY {
                            let row = (y * factorY + dy) * image.width
                            for dx in 0..<factorX { sum += Int(source[(row + x * factorX + dx) * channels + channel]) }
                        }
                        out[(y * width + x) * channels + channel] =
                            halfUpPairs ? UInt8((sum + 2) >> 2) : saturated(Float(sum) * inverseArea)
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out)
    }

    /// One source pixel's share of one output pixel along an axis (OpenCV's `DecimateAlpha`).
    private struct Share {
        let target: Int
        let source: Int
        let weight: Float
    }

    /// OpenCV's `computeResizeAreaTab`: the source cells each output cell covers, with partial cells at both ends
    /// weighted by their overlap (overlaps under 1e-3 are dropped, as there).
    private static func shares(sourceSize: Int, targetSize: Int, scale: Double) -> [Share] {
        var shares: [Share] = []
        for target in 0..<targetSize {
            let start = Double(target) * scale
            let end = start + scale
            let cellWidth = min(scale, Double(sourceSize) - start)
            var first = Int(start.rounded(.up))
            let last = min(Int(end.rounded(.down)), sourceSize - 1)
            first = min(first, last)
            if Double(first) - start > 1e-3 {
                let overlap = (Double(first) - start) / cellWidth
                shares.append(Share(target: target, source: first - 1, weight: Float(overlap)))
            }
            for source in first..<max(first, last) {
                shares.append(Share(target: target, source: source, weight: Float(1 / cellWidth)))
            }
            if end - Double(last) > 1e-3 {
                let overlap = min(min(end - Double(last), 1), cellWidth) / cellWidth
                shares.append(Share(target: target, source: last, weight: Float(overlap)))
            }
        }
        return shares
    }

    /// `ResizeArea_Invoker`: each source row is reduced horizontally into a float buffer, and the buffers are summed
    /// into the output row with their vertical weights, all in `float` in OpenCV's order.
    private static func fractionalFactor(_ image: Image, width: Int, height: Int, scaleX: Double, scaleY: Double)
        -> Image
    {
        let channels = image.channels
        let rowLength = width * channels
        let columns = shares(sourceSize: image.width, targetSize: width, scale: scaleX)
        let rows = shares(sourceSize: image.height, targetSize: height, scale: scaleY)
        var out = [UInt8](repeating: 0, count: height * rowLength)
        var buffers = [Float](repeating: 0, count: 2 * rowLength)
        image.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                buffers.withUnsafeMutableBufferPointer { buffers in
                    let reducedRow = UnsafeMutableBufferPointer(rebasing: buffers[0..<rowLength])
                    let sum = UnsafeMutableBufferPointer(rebasing: buffers[rowLength...])
                    var currentRow = rows.first?.target ?? 0
                    func flush(_ row: Int) {
                        for index in 0..<rowLength { target[row * rowLength + index] = saturated(sum[index]) }
                    }
                    for share in rows {
                        reducedRow.update(repeating: 0)
                        let rowStart = share.source * image.width * channels
                        for column in columns {
                            let from = rowStart + column.source * channels
                            let to = column.target * channels
                            for channel in 0..<channels {
                                reducedRow[to + channel] += Float(source[from + channel]) * column.weight
                            }
                        }
                        if share.target != currentRow {
                            flush(currentRow)
                            for index in 0..<rowLength { sum[index] = share.weight * reducedRow[index] }
                            currentRow = share.target
                        } else {
                            for index in 0..<rowLength { sum[index] += share.weight * reducedRow[index] }
                        }
                    }
                    flush(currentRow)
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out)
    }

    /// OpenCV's `saturate_cast<uchar>(float)`: round half to even, clamp to 0…255.
    private static func saturated(_ value: Float) -> UInt8 {
        UInt8(clamping: Int(value.rounded(.toNearestOrEven)))
    }
}

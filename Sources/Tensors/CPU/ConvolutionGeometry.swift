/// The shapes of one `conv2d` (NHWC input, OHWI weight) and the im2col layout shared by its forward and backward
/// passes: one row of `patch = kh·kw·Cin` values per output pixel, in the weight's (ky, kx, c) order.
struct ConvolutionGeometry {
    let batch, height, width, inChannels: Int
    let kernelHeight, kernelWidth: Int
    let stride: Int
    let padding: Padding2D
    let outHeight, outWidth: Int

    init(input shape: [Int], kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D) {
        precondition(shape.count == 4, "conv2d expects an NHWC input, got \(shape)")
        precondition(stride >= 1, "conv2d stride \(stride)")
        precondition(kernelHeight >= 1 && kernelWidth >= 1, "conv2d kernel \(kernelHeight)×\(kernelWidth)")
        (batch, height, width, inChannels) = (shape[0], shape[1], shape[2], shape[3])
        (self.kernelHeight, self.kernelWidth, self.stride, self.padding) = (kernelHeight, kernelWidth, stride, padding)
        let paddedHeight = height + padding.top + padding.bottom
        let paddedWidth = width + padding.left + padding.right
        precondition(
            paddedHeight >= kernelHeight && paddedWidth >= kernelWidth,
            "conv2d: kernel \(kernelHeight)×\(kernelWidth) larger than padded \(height)×\(width)")
        outHeight = (paddedHeight - kernelHeight) / stride + 1
        outWidth = (paddedWidth - kernelWidth) / stride + 1
    }

    /// Values per im2col row.
    var patch: Int { kernelHeight * kernelWidth * inChannels }
    /// Output pixels over the whole batch.
    var outPixels: Int { batch * outHeight * outWidth }
    /// A 1×1 kernel at stride 1 without padding: the convolution is a plain matrix product over the pixels.
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == .zero }

    /// Output pixels per im2col chunk so that the buffer holds at most `bytes`.
    func pixelsPerChunk(bytes: Int) -> Int { max(1, min(outPixels, bytes / max(1, patch * 4))) }

    /// Writes the im2col rows of output pixels `pixels` (row-major over `[N, Ho, Wo]`) to `columns`, zeros where the
    /// window lies in the padding.
    func im2col(_ source: UnsafePointer<Float>, pixels: Range<Int>, into columns: UnsafeMutablePointer<Float>) {
        let patch = patch
        Parallel.forEachChunk(pixels.count, grain: max(1, 8192 / patch)) { range in
            for row in range {
                let (image, position) = (pixels.lowerBound + row).quotientAndRemainder(dividingBy: outHeight * outWidth)
                let (oy, ox) = position.quotientAndRemainder(dividingBy: outWidth)
                var target = columns + row * patch
                for ky in 0..<kernelHeight {
                    let iy = oy * stride - padding.top + ky
                    for kx in 0..<kernelWidth {
                        let ix = ox * stride - padding.left + kx
                        if iy >= 0, iy < height, ix >= 0, ix < width {
                            target.update(from: source + ((image * height + iy) * width + ix) * inChannels, count: inChannels)
                        } else {
                            target.update(repeating: 0, count: inChannels)
                        }
                        target += inChannels
                    }
                }
            }
        }
    }
}

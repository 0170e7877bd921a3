import Foundation

/// sd-scripts' multires noise (`custom_train_functions.pyramid_noise_like`): noise at successively coarser random
/// scales (a factor r ∈ [2, 4) per iteration), upsampled bilinearly and added with weight discountⁱ, then the sum
/// rescaled to unit standard deviation.
enum PyramidNoise {
    static func added(
        to noise: [Float], shape: [Int], iterations: Int, discount: Float, stream: inout PhiloxStreamReader
    ) -> [Float] {
        let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        var result = noise
        for i in 0..<iterations {
            let r = Double(stream.uniforms(1)[0]) * 2 + 2
            let factor = pow(r, Double(i))
            let coarseHeight = max(1, Int(Double(height) / factor))
            let coarseWidth = max(1, Int(Double(width) / factor))
            let coarse = stream.normals(batch * coarseHeight * coarseWidth * channels)
            let weight = pow(discount, Float(i))
            let upsampled = bilinear(
                coarse, batch: batch, from: (coarseHeight, coarseWidth), to: (height, width), channels: channels)
            for index in result.indices { result[index] += upsampled[index] * weight }
            if coarseHeight == 1 || coarseWidth == 1 { break }
        }
        // torch's std: the unbiased estimate over every element.
        let count = Double(result.count)
        let mean = result.reduce(0.0) { $0 + Double($1) } / count
        let variance = result.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / max(count - 1, 1)
        let scale = Float(1 / variance.squareRoot())
        return result.map { $0 * scale }
    }

    /// PyTorch's bilinear resize with `align_corners=False` over NHWC values.
    static func bilinear(
        _ values: [Float], batch: Int, from source: (Int, Int), to target: (Int, Int), channels: Int
    ) -> [Float] {
        func taps(_ out: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
            let position = max((Float(out) + 0.5) * Float(inSize) / Float(outSize) - 0.5, 0)
            let low = min(Int(position), inSize - 1)
            return (low, min(low + 1, inSize - 1), position - Float(low))
        }
        var out = [Float](repeating: 0, count: batch * target.0 * target.1 * channels)
        for b in 0..<batch {
            for y in 0..<target.0 {
                let (y0, y1, fy) = taps(y, source.0, target.0)
                for column in 0..<target.1 {
                    let (x0, x1, fx) = taps(column, source.1, target.1)
                    for c in 0..<channels {
                        func at(_ row: Int, _ sourceColumn: Int) -> Float {
                            values[((b * source.0 + row) * source.1 + sourceColumn) * channels + c]
                        }
                        let top: Float = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
                        let bottom: Float = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
                        let value: Float = top * (1 - fy) + bottom * fy
                        out[((b * target.0 + y) * target.1 + column) * channels + c] = value
                    }
                }
            }
        }
        return out
    }
}

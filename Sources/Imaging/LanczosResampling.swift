import Foundation

/// Pillow's `Image.resize(size, Image.Resampling.LANCZOS)` for 8-bit images, which kohya sd-scripts uses whenever
/// a side grows. Reproduces Pillow's Resample.c: a 3-lobe Lanczos window widened by the scale when shrinking,
/// weights normalised in double and rounded to 22-bit fixed point, two separable passes each clamped to 8 bits and
/// skipped when that side keeps its size. The pass order follows Pillow 12+ (13.0.0 is the reference): vertical first
/// when the height shrinks by more than twice what the width shrinks, horizontal first otherwise (Pillow 11 and
/// older always went horizontal first; the two orders round differently).
enum LanczosResampling {
    private static let support = 3.0
    private static let precisionBits = 32 - 8 - 2

    static func resize(_ image: Image, width: Int, height: Int) -> Image {
        let heightLoss = image.height - height
        let horizontalFirst = !(heightLoss > 0 && heightLoss > (image.width - width) * 2)
        var current = image
        for horizontal in horizontalFirst ? [true, false] : [false, true] {
            let (from, to) = horizontal ? (image.width, width) : (image.height, height)
            if from == to { continue }
            current = pass(current, weights: coefficients(sourceSize: from, targetSize: to), horizontal: horizontal)
        }
        return current
    }

    /// The source span and fixed-point weights of one output sample.
    private struct Taps {
        let first: Int
        let weights: [Int]
    }

    private static func lanczos(_ x: Double) -> Double {
        guard -support <= x, x < support else { return 0 }
        return sinc(x) * sinc(x / support)
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let scaled = x * Double.pi
        return sin(scaled) / scaled
    }

    /// Pillow's `precompute_coeffs` and `normalize_coeffs_8bpc`.
    private static func coefficients(sourceSize: Int, targetSize: Int) -> [Taps] {
        let scale = Double(sourceSize) / Double(targetSize)
        let filterScale = max(scale, 1)
        let reach = support * filterScale
        return (0..<targetSize).map { target in
            let center = (Double(target) + 0.5) * scale
            // C's (int) casts truncate toward zero; the clamps make that the same as flooring here.
            let first = max(Int(center - reach + 0.5), 0)
            let end = min(Int(center + reach + 0.5), sourceSize)
            var weights = (first..<max(first, end)).map { lanczos((Double($0) - center + 0.5) / filterScale) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            let fixed = weights.map { weight -> Int in
                let scaled = weight * Double(1 << precisionBits)
                return Int(weight < 0 ? scaled - 0.5 : scaled + 0.5)
            }
            return Taps(first: first, weights: fixed)
        }
    }

    /// One separable pass; along `horizontal` rows or down columns, each output sample is the weighted sum of
    /// its taps, rounded by the pre-added half and clamped.
    private static func pass(_ image: Image, weights: [Taps], horizontal: Bool) -> Image {
        let channels = image.channels
        let (width, height) = horizontal ? (weights.count, image.height) : (image.width, weights.count)
        let sourceRow = image.width * channels
        let targetRow = width * channels
        let half = 1 << (precisionBits - 1)
        var out = [UInt8](repeating: 0, count: height * targetRow)
        image.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    for x in 0..<width {
                        let taps = weights[horizontal ? x : y]
                        // Consecutive taps are one pixel apart along a row, one row apart down a column.
                        let (first, step) = horizontal
                            ? (y * sourceRow + taps.first * channels, channels)
                            : (taps.first * sourceRow + x * channels, sourceRow)
                        for channel in 0..<channels {
                            var sum = half
                            var index = first + channel
                            for weight in taps.weights {
                                sum += Int(source[index]) * weight
                                index += step
                            }
                            target[y * targetRow + x * channels + channel] = clamped(sum)
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out)
    }

    /// Pillow's `clip8`: drop the fixed-point bits, clamp to 0…255.
    private static func clamped(_ fixed: Int) -> UInt8 {
        UInt8(clamping: fixed >> precisionBits)
    }
}

/// Pixels as a codec produced them, before transparency is resolved and before orientation.
struct DecodedPixels {
    enum Layout: Int {
        case gray = 1, grayAlpha = 2, rgb = 3, rgba = 4
    }

    let width: Int
    let height: Int
    let layout: Layout
    /// Interleaved samples, rows top to bottom.
    let pixels: [UInt8]

    /// RGB, with any alpha composited over `background` exactly as Pillow's
    /// `Image.alpha_composite(Image.new("RGBA", size, background), image).convert("RGB")`.
    func compositedRGB(over background: RGBColor) -> Image {
        let count = width * height
        var out = [UInt8](repeating: 0, count: count * 3)
        let backdrop = [background.red, background.green, background.blue]
        let stride = layout.rawValue
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for pixel in 0..<count {
                    let from = pixel * stride
                    for channel in 0..<3 {
                        let value = layout == .gray || layout == .grayAlpha ? source[from] : source[from + channel]
                        target[pixel * 3 + channel] = switch layout {
                        case .gray, .rgb: value
                        case .grayAlpha: Self.composite(value, alpha: source[from + 1], over: backdrop[channel])
                        case .rgba: Self.composite(value, alpha: source[from + 3], over: backdrop[channel])
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// RGBA with alpha kept (255 where the file has none), as Pillow's `convert("RGBA")`.
    func rgba() -> Image {
        let count = width * height
        var out = [UInt8](repeating: 255, count: count * 4)
        let stride = layout.rawValue
        for pixel in 0..<count {
            let from = pixel * stride
            let isGray = layout == .gray || layout == .grayAlpha
            for channel in 0..<3 { out[pixel * 4 + channel] = isGray ? pixels[from] : pixels[from + channel] }
            if layout == .grayAlpha { out[pixel * 4 + 3] = pixels[from + 1] }
            if layout == .rgba { out[pixel * 4 + 3] = pixels[from + 3] }
        }
        return Image(width: width, height: height, channels: 4, pixels: out)
    }

    /// Pillow's AlphaComposite.c with an opaque destination: its general formula computes
    /// `coef1 = a·255·255·128 / (255·255) = 128·a` and `coef2 = 128·(255 − a)`, then divides by 255 with
    /// `((t >> 8) + t) >> 8` after adding a half (0x80 << 7), and drops the 7 precision bits. A fully transparent
    /// source keeps the destination untouched.
    static func composite(_ value: UInt8, alpha: UInt8, over backdrop: UInt8) -> UInt8 {
        if alpha == 0 { return backdrop }
        let a = UInt32(alpha)
        let blended = UInt32(value) * (a << 7) + UInt32(backdrop) * ((255 - a) << 7) + (0x80 << 7)
        return UInt8((((blended >> 8) + blended) >> 8) >> 7)
    }
}

import Foundation

/// Decodes uncompressed BMP pixels (palette 1/4/8-bit, 16/24/32-bit with default or BI_BITFIELDS masks) to RGB,
/// or RGBA when an alpha mask is present.
enum BMPDecoder {
    static func decode(_ data: Data, limits: DecodingLimits) throws -> DecodedPixels {
        let source = MemoryBytes(data: data)
        let layout = try BMPHeader.read(source)
        let (width, height) = (layout.header.width, layout.header.height)
        try limits.admit(.bmp, width: width, height: height)
        let stored = try source.exactly(
            at: layout.pixelOffset, length: layout.rowStride * height, .bmp, "pixel rows")
        let channels = layout.header.hasAlpha ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let bits = layout.bitsPerPixel
        let channelMasks = layout.masks.map(MaskField.init)
        for y in 0..<height {
            let row = (layout.bottomUp ? height - 1 - y : y) * layout.rowStride
            for x in 0..<width {
                let target = (y * width + x) * channels
                if bits <= 8 {
                    let bitOffset = x * bits
                    let byte = Int(stored[row + bitOffset / 8])
                    let index = byte >> (8 - bits - bitOffset % 8) & ((1 << bits) - 1)
                    // Indices beyond a short palette read as black, as Pillow's zero-filled palette gives.
                    let color = index < layout.palette.count ? layout.palette[index] : (0, 0, 0)
                    (pixels[target], pixels[target + 1], pixels[target + 2]) = color
                } else {
                    let start = row + x * bits / 8
                    var value: UInt32 = 0
                    for byte in 0..<(bits / 8) { value |= UInt32(stored[start + byte]) << (8 * byte) }
                    for channel in 0..<channels { pixels[target + channel] = channelMasks[channel].extract(value) }
                }
            }
        }
        let decodedLayout: DecodedPixels.Layout = layout.header.hasAlpha ? .rgba : .rgb
        return DecodedPixels(width: width, height: height, layout: decodedLayout, pixels: pixels)
    }

    /// One channel's bit field, scaled to 8 bits the way Pillow's BGR;15/BGR;16 unpackers do: `v · 255 / max`,
    /// truncated. A zero mask reads as 0 (alpha is only extracted when its mask is non-zero).
    private struct MaskField {
        let mask: UInt32
        let shift: Int
        let maximum: UInt64

        init(_ mask: UInt32) {
            self.mask = mask
            shift = mask == 0 ? 0 : mask.trailingZeroBitCount
            maximum = UInt64(mask >> shift)
        }

        func extract(_ pixel: UInt32) -> UInt8 {
            guard maximum > 0 else { return 0 }
            return UInt8(UInt64((pixel & mask) >> shift) * 255 / maximum)
        }
    }
}

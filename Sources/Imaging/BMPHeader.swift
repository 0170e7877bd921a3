/// The parts of a BMP header (Microsoft's BITMAPFILEHEADER followed by a BITMAPCOREHEADER, BITMAPINFOHEADER or one
/// of its V2…V5 extensions) needed to decode the pixels. Uncompressed rows only: BI_RGB and BI_BITFIELDS.
struct BMPHeader {
    let header: ImageHeader
    let bitsPerPixel: Int
    /// Rows are stored bottom-up unless the height is negative.
    let bottomUp: Bool
    let pixelOffset: Int
    /// Bytes per stored row, padded to a multiple of 4.
    let rowStride: Int
    /// RGB entries for 1-, 4- and 8-bit images.
    let palette: [(r: UInt8, g: UInt8, b: UInt8)]
    /// Red, green, blue and alpha masks for 16-, 24- and 32-bit pixels; an alpha mask of 0 means opaque.
    let masks: [UInt32]

    static func read(_ source: ByteSource) throws -> BMPHeader {
        let file = try source.exactly(at: 0, length: 18, .bmp, "file header")
        let pixelOffset = file.uint32(littleEndianAt: 10)
        let dibSize = file.uint32(littleEndianAt: 14)
        guard dibSize == 12 || [40, 52, 56, 64, 108, 124].contains(dibSize) else {
            throw ImageDecodingError.unsupportedVariant(.bmp, "a \(dibSize)-byte DIB header")
        }
        let dib = try source.exactly(at: 14, length: dibSize, .bmp, "DIB header")
        let width: Int
        let signedHeight: Int
        let bitsPerPixel: Int
        var compression = 0
        var colorsUsed = 0
        if dibSize == 12 {  // OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes, 3-byte palette entries
            (width, signedHeight, bitsPerPixel) = (dib.uint16(littleEndianAt: 4), dib.uint16(littleEndianAt: 6),
                                                  dib.uint16(littleEndianAt: 10))
        } else {
            (width, signedHeight, bitsPerPixel) = (dib.int32(littleEndianAt: 4), dib.int32(littleEndianAt: 8),
                                                  dib.uint16(littleEndianAt: 14))
            compression = dib.uint32(littleEndianAt: 16)
            colorsUsed = dib.uint32(littleEndianAt: 32)
        }
        let height = abs(signedHeight)
        guard width > 0, height > 0 else {
            throw ImageDecodingError.corrupt(.bmp, "the header declares \(width)×\(signedHeight) pixels")
        }
        guard [1, 4, 8, 16, 24, 32].contains(bitsPerPixel) else {
            throw ImageDecodingError.unsupportedVariant(.bmp, "\(bitsPerPixel) bits per pixel")
        }
        let compressionNames = [1: "RLE8", 2: "RLE4", 4: "embedded JPEG", 5: "embedded PNG", 6: "BI_ALPHABITFIELDS"]
        guard compression == 0 || (compression == 3 && bitsPerPixel >= 16) else {
            let name = compressionNames[compression] ?? "compression \(compression)"
            throw ImageDecodingError.unsupportedVariant(.bmp, "\(name) with \(bitsPerPixel)-bit pixels")
        }

        var masks: [UInt32] = switch bitsPerPixel {
        case 16: [0x7C00, 0x03E0, 0x001F, 0]  // BI_RGB 16-bit is 5-5-5
        default: [0xFF_0000, 0xFF00, 0xFF, 0]  // BI_RGB 24/32-bit is B, G, R (and an unused byte, as Pillow reads it)
        }
        var paletteOffset = 14 + dibSize
        if compression == 3 {
            // Masks sit inside V2+ headers, or follow a 40-byte header as three DWORDs.
            let maskBytes = dibSize >= 52 ? Array(dib[40..<min(dibSize, 56)])
                : try source.exactly(at: 14 + dibSize, length: 12, .bmp, "bit field masks")
            if dibSize == 40 { paletteOffset += 12 }
            let read = (0..<(maskBytes.count / 4)).map { UInt32(maskBytes.uint32(littleEndianAt: 4 * $0)) }
            // All-zero masks: Pillow reads such 32-bit files as B, G, R, A; follow it.
            if read.contains(where: { $0 != 0 }) {
                masks = Array((read + [0, 0, 0, 0]).prefix(4))
            } else if bitsPerPixel == 32 {
                masks[3] = 0xFF00_0000
            }
            for mask in masks where mask != 0 {
                let shifted = mask >> mask.trailingZeroBitCount
                guard shifted & (shifted + 1) == 0, mask.leadingZeroBitCount >= 32 - bitsPerPixel else {
                    throw ImageDecodingError.corrupt(
                        .bmp, "bit field mask 0x\(String(mask, radix: 16)) is not a contiguous run within the pixel")
                }
            }
        }

        var palette: [(r: UInt8, g: UInt8, b: UInt8)] = []
        if bitsPerPixel <= 8 {
            let entrySize = dibSize == 12 ? 3 : 4
            let count = colorsUsed == 0 ? 1 << bitsPerPixel : min(colorsUsed, 1 << bitsPerPixel)
            let bytes = try source.exactly(at: paletteOffset, length: count * entrySize, .bmp, "palette")
            palette = (0..<count).map { (bytes[$0 * entrySize + 2], bytes[$0 * entrySize + 1], bytes[$0 * entrySize]) }
        }
        let header = ImageHeader(
            format: .bmp, width: width, height: height, hasAlpha: masks[3] != 0, orientation: .identity)
        return BMPHeader(
            header: header, bitsPerPixel: bitsPerPixel, bottomUp: signedHeight > 0, pixelOffset: pixelOffset,
            rowStride: (width * bitsPerPixel + 31) / 32 * 4, palette: palette, masks: masks)
    }
}

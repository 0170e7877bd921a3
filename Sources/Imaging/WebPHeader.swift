/// Walks a WebP's RIFF chunks (the WebP container specification): the size from VP8X, VP8 or VP8L, transparency
/// from the VP8X flag, an ALPH chunk or the VP8L alpha hint (what libwebp reports as `has_alpha`), and the
/// orientation from an EXIF chunk, which follows the image data.
enum WebPHeader {
    static func read(_ source: ByteSource) throws -> ImageHeader {
        var size: (width: Int, height: Int)?
        var hasAlpha = false
        var orientation = ExifOrientation.identity
        var offset = 12
        while offset + 8 <= source.count {
            let chunk = try source.exactly(at: offset, length: 8, .webp, "chunk header at byte \(offset)")
            let fourCC = String(decoding: chunk[0..<4], as: UTF8.self)
            let length = chunk.uint32(littleEndianAt: 4)
            let body = offset + 8
            switch fourCC {
            case "VP8X":
                let header = try source.exactly(at: body, length: 10, .webp, "VP8X chunk")
                if header[0] & 0x02 != 0 {
                    throw ImageDecodingError.unsupportedVariant(.webp, "animated WebP")
                }
                hasAlpha = hasAlpha || header[0] & 0x10 != 0
                size = (header.uint24(littleEndianAt: 4) + 1, header.uint24(littleEndianAt: 7) + 1)
            case "ALPH":
                hasAlpha = true
            case "VP8 ":
                let frame = try source.exactly(at: body, length: 10, .webp, "VP8 frame header")
                guard frame[3..<6] == [0x9D, 0x01, 0x2A][...] else {
                    throw ImageDecodingError.corrupt(.webp, "the VP8 frame lacks its start code")
                }
                // 14 bits of size each; the top two bits are an upscaling hint.
                if size == nil {
                    size = (frame.uint16(littleEndianAt: 6) & 0x3FFF, frame.uint16(littleEndianAt: 8) & 0x3FFF)
                }
            case "VP8L":
                let header = try source.exactly(at: body, length: 5, .webp, "VP8L header")
                guard header[0] == 0x2F else {
                    throw ImageDecodingError.corrupt(.webp, "the VP8L signature is missing")
                }
                let bits = header.uint32(littleEndianAt: 1)
                if size == nil { size = ((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1) }
                hasAlpha = hasAlpha || bits >> 28 & 1 != 0
            case "EXIF":
                let body = try source.exactly(at: body, length: length, .webp, "EXIF chunk")
                orientation = ExifOrientation.read(tiff: body) ?? .identity
            default:
                break
            }
            offset = body + length + (length & 1)  // chunks are padded to an even size
        }
        guard let size else { throw ImageDecodingError.truncated(.webp, "no VP8, VP8L or VP8X chunk was found") }
        guard size.width > 0, size.height > 0 else {
            throw ImageDecodingError.corrupt(.webp, "the image declares \(size.width)×\(size.height) pixels")
        }
        return ImageHeader(
            format: .webp, width: size.width, height: size.height, hasAlpha: hasAlpha, orientation: orientation)
    }
}

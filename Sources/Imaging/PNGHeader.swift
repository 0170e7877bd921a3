/// Reads a PNG's IHDR and walks its chunks up to the image data (ISO/IEC 15948 §5.3): tRNS there means
/// transparency and eXIf there carries the orientation. An eXIf after the image data (which the PNG third edition
/// forbids) is not looked for, so probing stays a few reads per file; Pillow would still apply one.
enum PNGHeader {
    static func read(_ source: ByteSource) throws -> ImageHeader {
        let ihdr = try source.exactly(at: 8, length: 25, .png, "IHDR chunk")
        guard ihdr.uint32(bigEndianAt: 0) == 13, ihdr[4..<8] == Array("IHDR".utf8)[...] else {
            throw ImageDecodingError.corrupt(.png, "the first chunk is not a 13-byte IHDR")
        }
        let width = ihdr.uint32(bigEndianAt: 8)
        let height = ihdr.uint32(bigEndianAt: 12)
        let (bitDepth, colorType) = (Int(ihdr[16]), Int(ihdr[17]))
        guard (1...0x7FFF_FFFF).contains(width), (1...0x7FFF_FFFF).contains(height) else {
            throw ImageDecodingError.corrupt(.png, "IHDR declares \(width)×\(height) pixels")
        }
        let allowedDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowedDepths[colorType], depths.contains(bitDepth) else {
            throw ImageDecodingError.corrupt(.png, "IHDR declares colour type \(colorType) with bit depth \(bitDepth)")
        }
        var hasAlpha = colorType == 4 || colorType == 6
        var orientation = ExifOrientation.identity
        var offset = 8 + 25
        while offset < source.count {
            let chunk = try source.exactly(at: offset, length: 8, .png, "chunk header at byte \(offset)")
            let length = chunk.uint32(bigEndianAt: 0)
            let type = String(decoding: chunk[4..<8], as: UTF8.self)
            if type == "IDAT" || type == "IEND" { break }
            if type == "tRNS" { hasAlpha = true }
            if type == "eXIf" {
                let body = try source.exactly(at: offset + 8, length: length, .png, "eXIf chunk")
                orientation = ExifOrientation.read(tiff: body) ?? .identity
            }
            offset += 12 + length
        }
        return ImageHeader(format: .png, width: width, height: height, hasAlpha: hasAlpha, orientation: orientation)
    }
}

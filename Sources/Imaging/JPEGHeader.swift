/// Walks a JPEG's marker segments up to the first scan (ITU T.81 §B.1), reading only the frame header (size,
/// components) and the first APP1 "Exif" segment (orientation), as Pillow does.
enum JPEGHeader {
    static func read(_ source: ByteSource) throws -> ImageHeader {
        var offset = 2  // after SOI
        var orientation: ExifOrientation?
        var frame: (width: Int, height: Int)?
        while true {
            // A marker is 0xFF then a code; extra 0xFF bytes before the code are fill.
            let prefix = try source.exactly(at: offset, length: 2, .jpeg, "marker list")
            guard prefix[0] == 0xFF else {
                throw ImageDecodingError.corrupt(.jpeg, "expected a marker at byte \(offset), found \(hex(prefix[0]))")
            }
            let code = prefix[1]
            if code == 0xFF {
                offset += 1
                continue
            }
            offset += 2
            if code == 0x01 || (0xD0...0xD7).contains(code) { continue }  // markers without a length
            if code == 0xD9 { throw ImageDecodingError.corrupt(.jpeg, "the image ends before any scan") }
            let lengthBytes = try source.exactly(at: offset, length: 2, .jpeg, "length of marker \(hex(code))")
            let length = lengthBytes.uint16(bigEndianAt: 0)
            guard length >= 2 else {
                throw ImageDecodingError.corrupt(.jpeg, "marker \(hex(code)) declares a length of \(length)")
            }
            let body = offset + 2
            if code == 0xDA {  // start of scan: the headers are over
                guard let frame else {
                    throw ImageDecodingError.corrupt(.jpeg, "a scan starts before the frame header")
                }
                return ImageHeader(
                    format: .jpeg, width: frame.width, height: frame.height, hasAlpha: false,
                    orientation: orientation ?? .identity)
            }
            if isStartOfFrame(code), frame == nil {
                let sof = try source.exactly(at: body, length: 6, .jpeg, "frame header")
                let (height, width) = (sof.uint16(bigEndianAt: 1), sof.uint16(bigEndianAt: 3))
                guard width > 0, height > 0 else {
                    throw ImageDecodingError.unsupportedVariant(
                        .jpeg, "the frame header declares \(width)×\(height) (a height set later by DNL)")
                }
                frame = (width, height)
            }
            if code == 0xE1, orientation == nil, length >= 8 {
                let segment = try source.exactly(at: body, length: length - 2, .jpeg, "APP1 segment")
                if segment.starts(with: Array("Exif".utf8) + [0, 0]) {
                    orientation = ExifOrientation.read(tiff: Array(segment.dropFirst(6))) ?? .identity
                }
            }
            offset = body + length - 2
        }
    }

    /// SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    private static func isStartOfFrame(_ code: UInt8) -> Bool {
        (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
    }

    private static func hex(_ byte: UInt8) -> String { "0x" + String(byte, radix: 16, uppercase: true) }
}

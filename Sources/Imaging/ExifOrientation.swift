/// The EXIF Orientation tag (0x0112): how the stored pixels must be transformed to be displayed upright.
/// Each case names that transform; the raw values are the tag's.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case identity = 1
    case flipHorizontal = 2
    case rotate180 = 3
    case flipVertical = 4
    /// Mirror along the top-left to bottom-right diagonal.
    case transpose = 5
    case rotate90Clockwise = 6
    /// Mirror along the top-right to bottom-left diagonal.
    case transverse = 7
    case rotate90CounterClockwise = 8

    /// Whether displaying swaps width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// The Orientation value in a TIFF structure (the body of a JPEG APP1 "Exif" segment, a PNG eXIf chunk or a
    /// WebP EXIF chunk), either byte order. Nil when there is no valid tag; like Pillow, values outside 1…8 and
    /// unreadable structures count as no orientation rather than as an error, since they never block display.
    static func read(tiff: [UInt8]) -> ExifOrientation? {
        var tiff = tiff[...]
        // Some writers keep JPEG's "Exif\0\0" prefix in PNG and WebP chunks; Pillow accepts that too.
        if tiff.starts(with: Array("Exif".utf8) + [0, 0]) { tiff = tiff.dropFirst(6) }
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> Int { littleEndian ? bytes.uint16(littleEndianAt: at) : bytes.uint16(bigEndianAt: at) }
        func u32(_ at: Int) -> Int { littleEndian ? bytes.uint32(littleEndianAt: at) : bytes.uint32(bigEndianAt: at) }
        guard u16(2) == 42 else { return nil }
        let directory = u32(4)
        guard directory >= 8, directory <= bytes.count - 2 else { return nil }
        let entries = u16(directory)
        for index in 0..<entries {
            let entry = directory + 2 + 12 * index
            guard entry + 12 <= bytes.count else { return nil }
            // Tag 0x0112, count 1, the value inline: SHORT (type 3) as the spec says, LONG (4) as some writers do.
            if u16(entry) == 0x0112 {
                guard u32(entry + 4) >= 1 else { return nil }
                switch u16(entry + 2) {
                case 3: return ExifOrientation(rawValue: u16(entry + 8))
                case 4: return ExifOrientation(rawValue: u32(entry + 8))
                default: return nil
                }
            }
        }
        return nil
    }
}

extension Image {
    /// The image as displayed under `orientation`; the same transposes as Pillow's `ImageOps.exif_transpose`.
    public func oriented(_ orientation: ExifOrientation) -> Image {
        if orientation == .identity { return self }
        let (outWidth, outHeight) = orientation.swapsDimensions ? (height, width) : (width, height)
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int) = switch orientation {
                        case .identity: (x, y)
                        case .flipHorizontal: (width - 1 - x, y)
                        case .rotate180: (width - 1 - x, height - 1 - y)
                        case .flipVertical: (x, height - 1 - y)
                        case .transpose: (y, x)
                        case .rotate90Clockwise: (y, height - 1 - x)
                        case .transverse: (width - 1 - y, height - 1 - x)
                        case .rotate90CounterClockwise: (width - 1 - y, x)
                        }
                        let from = (sy * width + sx) * channels
                        let to = (y * outWidth + x) * channels
                        for c in 0..<channels { target[to + c] = source[from + c] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: out)
    }
}

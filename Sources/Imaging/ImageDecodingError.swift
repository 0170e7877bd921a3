import Foundation

/// Why an image file could not be probed or decoded. Every case names the format (when known) and what was wrong.
public enum ImageDecodingError: Error, CustomStringConvertible, Equatable {
    /// The file is empty.
    case empty
    /// The leading bytes match none of JPEG, PNG, WebP or BMP; `leadingBytes` are up to the first 12.
    case unsupportedFormat(leadingBytes: [UInt8])
    /// A valid file of a supported format in a variant this decoder does not read (RLE BMP, animated WebP, …).
    case unsupportedVariant(ImageFormat, String)
    /// The data ends before the image does.
    case truncated(ImageFormat, String)
    /// The data is malformed; the message comes from our parser or from the codec library.
    case corrupt(ImageFormat, String)
    /// The declared size is over the limits; refused before any pixel memory is allocated.
    case tooLarge(ImageFormat, width: Int, height: Int, limits: DecodingLimits)
    /// The codec library could not allocate memory for the pixels.
    case outOfMemory(ImageFormat, width: Int, height: Int)
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .empty:
            "image: the file is empty"
        case .unsupportedFormat(let bytes):
            "image: not a JPEG, PNG, WebP or BMP file\(Self.knownFormatHint(bytes)) (first bytes: "
                + bytes.map { String(format: "%02X", $0) }.joined(separator: " ") + ")"
        case .unsupportedVariant(let format, let what):
            "\(format.name): unsupported: \(what)"
        case .truncated(let format, let what):
            "\(format.name): truncated: \(what)"
        case .corrupt(let format, let what):
            "\(format.name): corrupt data: \(what)"
        case .tooLarge(let format, let width, let height, let limits):
            "\(format.name): the image is \(width)×\(height) px, over the limit of \(limits.maxSide) px per side "
                + "and \(limits.maxPixels) px in all"
        case .outOfMemory(let format, let width, let height):
            "\(format.name): out of memory decoding a \(width)×\(height) image"
        case .unreadable(let path, let reason):
            "image: cannot read \(path): \(reason)"
        }
    }

    /// Names formats people commonly feed by mistake, so the message says more than "unknown".
    private static func knownFormatHint(_ bytes: [UInt8]) -> String {
        let ascii = String(decoding: bytes.prefix(12).map { (0x20...0x7E).contains($0) ? $0 : 0x2E }, as: UTF8.self)
        if ascii.hasPrefix("GIF8") { return "; it looks like a GIF" }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            return "; it looks like a TIFF"
        }
        if ascii.dropFirst(4).hasPrefix("ftyp") { return "; it looks like an ISO media file (HEIC or AVIF)" }
        if bytes.starts(with: [0xFF, 0x0A]) || ascii.dropFirst(4).hasPrefix("jP  ") { return "; it looks like JPEG XL" }
        return ""
    }
}

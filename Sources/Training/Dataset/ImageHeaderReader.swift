import Foundation

/// Reads the pixel size from the header of a PNG, JPEG, WebP or BMP file without decoding it (what kohya's
/// `imagesize` does), until the `Imaging` decoders provide the reader.
public struct ImageHeaderReader: DatasetImageReader {
    /// Why a file's size cannot be read.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unreadable(String)
        case unknownFormat
        case truncated(format: String)
        case badSize(width: Int, height: Int)

        public var description: String {
            switch self {
            case .unreadable(let reason): return "cannot read the file: \(reason)"
            case .unknownFormat: return "not a PNG, JPEG, WebP or BMP file"
            case .truncated(let format): return "truncated or corrupt \(format) header"
            case .badSize(let width, let height): return "invalid image size \(width)x\(height)"
            }
        }
    }

    public init() {}

    public func info(of url: URL) throws -> (width: Int, height: Int) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            throw Failure.unreadable(error.localizedDescription)
        }
        let size = try Self.size(of: bytes)
        guard size.width > 0, size.height > 0 else { throw Failure.badSize(width: size.width, height: size.height) }
        return size
    }

    static func size(of b: [UInt8]) throws(Failure) -> (width: Int, height: Int) {
        func be(_ at: Int, _ count: Int) -> Int { (at..<at + count).reduce(0) { $0 << 8 | Int(b[$1]) } }
        func le(_ at: Int, _ count: Int) -> Int { (at..<at + count).reversed().reduce(0) { $0 << 8 | Int(b[$1]) } }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            guard b.count >= 24, b[12..<16].elementsEqual("IHDR".utf8) else { throw .truncated(format: "PNG") }
            return (be(16, 4), be(20, 4))
        }
        if b.starts(with: [0xFF, 0xD8]) {
            // Walk the marker segments to the first start-of-frame (SOF0–SOF15 except DHT, JPG, DAC).
            var at = 2
            while at + 4 <= b.count {
                guard b[at] == 0xFF else { throw .truncated(format: "JPEG") }
                let marker = b[at + 1]
                if marker == 0xFF { at += 1; continue }
                if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { at += 2; continue }
                let length = be(at + 2, 2)
                if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                    guard at + 9 <= b.count else { break }
                    return (be(at + 7, 2), be(at + 5, 2))
                }
                guard length >= 2 else { break }
                at += 2 + length
            }
            throw .truncated(format: "JPEG")
        }
        if b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8), b[8..<12].elementsEqual("WEBP".utf8) {
            guard b.count >= 30 else { throw .truncated(format: "WebP") }
            switch String(decoding: b[12..<16], as: UTF8.self) {
            case "VP8 ": return (le(26, 2) & 0x3FFF, le(28, 2) & 0x3FFF)
            case "VP8L":
                let bits = le(21, 4)
                return ((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
            case "VP8X": return (le(24, 3) + 1, le(27, 3) + 1)
            default: throw .truncated(format: "WebP")
            }
        }
        if b.starts(with: "BM".utf8) {
            guard b.count >= 26 else { throw .truncated(format: "BMP") }
            if le(14, 4) == 12 { return (le(18, 2), le(20, 2)) }
            let height = Int32(truncatingIfNeeded: le(22, 4))  // negative for top-down bitmaps
            return (Int(Int32(truncatingIfNeeded: le(18, 4))), Int(height.magnitude))
        }
        throw .unknownFormat
    }
}

import Foundation
import Imaging
import Testing

/// The files written by tools/make_image_fixtures.py and its manifest.
enum ImageFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    struct DecodeCase: Decodable, CustomTestStringConvertible {
        let file: String
        /// Largest allowed difference per sample against the reference (0 for lossless formats).
        let tolerance: Int
        let background: [UInt8]
        let width: Int
        let height: Int
        let hasAlpha: Bool
        let keepsAlpha: Bool
        var testDescription: String { file }
    }

    struct ErrorCase: Decodable, CustomTestStringConvertible {
        let file: String
        /// The `ImageDecodingError` case name.
        let error: String
        /// A phrase the error's description must contain.
        let contains: String
        var testDescription: String { file }
    }

    struct ResizeCase: Decodable, CustomTestStringConvertible {
        let name: String
        let source: String
        let crop: String
        let width: Int
        let height: Int
        let method: String
        var testDescription: String { name }
    }

    struct Manifest: Decodable {
        let decode: [DecodeCase]
        let errors: [ErrorCase]
        let resize: [ResizeCase]
    }

    static let manifest: Manifest = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        // A missing or malformed manifest is a broken checkout; fail loudly rather than run zero cases.
        let url = folder.appendingPathComponent("manifest.json")
        return try! decoder.decode(Manifest.self, from: Data(contentsOf: url))
    }()

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// An 8-bit .npy array as an Image (shape H×W or H×W×C).
    static func image(npy name: String) throws -> Image {
        let array = try NPYArray(url: folder.appendingPathComponent("\(name).npy"))
        guard array.descr == "|u1" else { throw NPYArray.Failure.unexpected("\(name): dtype \(array.descr)") }
        return Image(
            width: array.shape[1], height: array.shape[0], channels: array.shape.count == 3 ? array.shape[2] : 1,
            pixels: array.bytes)
    }

    /// A little-endian float32 .npy array, flattened.
    static func floats(npy name: String) throws -> [Float] {
        let array = try NPYArray(url: folder.appendingPathComponent("\(name).npy"))
        guard array.descr == "<f4" else { throw NPYArray.Failure.unexpected("\(name): dtype \(array.descr)") }
        return stride(from: 0, to: array.bytes.count, by: 4).map { offset in
            Float(bitPattern: array.bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
    }
}

/// The NumPy .npy format (version 1 or 2 header), C order only: enough to read the fixtures' references.
struct NPYArray {
    enum Failure: Error { case unexpected(String) }

    let descr: String
    let shape: [Int]
    let bytes: [UInt8]

    init(url: URL) throws {
        let data = [UInt8](try Data(contentsOf: url))
        guard data.count > 10, data[0..<6] == [0x93] + Array("NUMPY".utf8)[...] else {
            throw Failure.unexpected("\(url.lastPathComponent): not an .npy file")
        }
        let (headerLength, headerStart) = data[6] == 1
            ? (Int(data[8]) | Int(data[9]) << 8, 10)
            : (Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24, 12)
        let header = String(decoding: data[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True"),
            let descr = header.firstMatch(of: /'descr': '([^']+)'/)?.1,
            let shape = header.firstMatch(of: /'shape': \(([^)]*)\)/)?.1
        else { throw Failure.unexpected("\(url.lastPathComponent): header \(header)") }
        self.descr = String(descr)
        self.shape = shape.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        bytes = Array(data[(headerStart + headerLength)...])
    }
}

/// The largest per-sample difference between two images of the same shape, or nil when the shapes differ.
func largestDifference(_ a: Image, _ b: Image) -> Int? {
    guard a.width == b.width, a.height == b.height, a.channels == b.channels else { return nil }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

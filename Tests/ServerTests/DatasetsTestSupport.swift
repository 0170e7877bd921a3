import CZlib
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Imaging
import Store
import Testing

@testable import Server

/// A server over a fresh data directory whose services the test can inspect.
struct DatasetTestServer {
    let services: ServerServices

    init(limits: DatasetLimits = DatasetLimits(), datasetRoots: [URL] = []) throws {
        var configuration = try testConfiguration()
        configuration.datasetLimits = limits
        configuration.datasetRoots = datasetRoots
        services = try ServerServices.open(configuration: configuration)
    }

    var dataDirectory: URL { services.configuration.dataDirectory }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await buildApplication(services: services).test(.router, body)
    }

    /// Rows of the dataset tables and of `blobs`, blob files, and files left in the staging and blob temporary
    /// folders: all zero after a refused import.
    func storedCounts() throws -> [String: Int] {
        var counts = try services.database.writer.read { db in
            [
                "datasets": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM datasets") ?? -1,
                "dataset_images": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dataset_images") ?? -1,
                "blobs": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs") ?? -1,
            ]
        }
        counts["blob files"] = Self.fileCount(under: dataDirectory.appendingPathComponent("blobs/sha256"))
        counts["blob temporary files"] = Self.fileCount(under: dataDirectory.appendingPathComponent("blobs/tmp"))
        counts["staging entries"] =
            (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory.appendingPathComponent("tmp").path))?
            .count ?? 0
        return counts
    }

    /// Checks that a refused request left nothing behind.
    func expectNothingStored(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let counts = try storedCounts()
        for (what, count) in counts.sorted(by: { $0.key < $1.key }) {
            #expect(count == 0, "\(what): \(count)", sourceLocation: sourceLocation)
        }
    }

    static func fileCount(under folder: URL) -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return 0 }
        var count = 0
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                count += 1
            }
        }
        return count
    }
}

/// A small PNG whose pixels depend on `seed`, so that different seeds give different files.
func testPNG(width: Int = 64, height: Int = 48, seed: UInt8 = 0) throws -> Data {
    var pixels: [UInt8] = []
    for index in 0..<(width * height) {
        pixels += [UInt8(truncatingIfNeeded: index &+ Int(seed)), seed, UInt8(truncatingIfNeeded: index / width)]
    }
    return try PNGEncoder.encode(Image(width: width, height: height, channels: 3, pixels: pixels))
}

/// A `multipart/form-data` body.
struct MultipartBody {
    static let boundary = "lorad-test-boundary-7d1e"
    private(set) var bytes = Data()

    var contentType: String { "multipart/form-data; boundary=\(Self.boundary)" }

    mutating func field(_ name: String, _ value: String) {
        bytes += Data("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ fileName: String, _ data: Data, field: String = "files") {
        let escaped = fileName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        bytes += Data(
            ("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(escaped)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        bytes += data
        bytes += Data("\r\n".utf8)
    }

    /// The body with its closing boundary.
    var finished: ByteBuffer {
        ByteBuffer(bytes: bytes + Data("--\(Self.boundary)--\r\n".utf8))
    }
}

/// Deflates `data` with zlib: raw deflate for zip (`windowBits` -15) or gzip (31).
func deflated(_ data: Data, windowBits: Int32) -> Data {
    var stream = z_stream()
    precondition(
        deflateInit2_(
            &stream, 9, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var input = [UInt8](data)
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            stream.next_out = outputBuffer.baseAddress
            stream.avail_out = UInt32(outputBuffer.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return outputBuffer.count - Int(stream.avail_out)
        }
    }
    return Data(output[0..<produced])
}

func gzipped(_ data: Data) -> Data { deflated(data, windowBits: 31) }

/// Builds zip files the way common tools write them (local headers, central directory, end record).
struct ZipBuilder {
    private var body = Data()
    private var directory = Data()
    private var count: UInt16 = 0

    /// Adds an entry; `unixMode` sets the file type and permissions as Unix zip tools store them.
    mutating func add(_ name: String, _ data: Data, compress: Bool = true, unixMode: UInt32 = 0o100644) {
        let stored = compress ? deflated(data, windowBits: -15) : data
        let checksum = data.withUnsafeBytes { bytes in
            UInt32(crc32(0, bytes.bindMemory(to: UInt8.self).baseAddress, UInt32(bytes.count)))
        }
        let nameBytes = Data(name.utf8)
        let method: UInt16 = compress ? 8 : 0
        var local = Data()
        local.appendLittleEndian(UInt32(0x0403_4b50))
        local.appendLittleEndian(UInt16(20))
        local.appendLittleEndian(UInt16(0x0800))
        local.appendLittleEndian(method)
        local.appendLittleEndian(UInt32(0))  // time and date
        local.appendLittleEndian(checksum)
        local.appendLittleEndian(UInt32(stored.count))
        local.appendLittleEndian(UInt32(data.count))
        local.appendLittleEndian(UInt16(nameBytes.count))
        local.appendLittleEndian(UInt16(0))
        local += nameBytes

        var central = Data()
        central.appendLittleEndian(UInt32(0x0201_4b50))
        central.appendLittleEndian(UInt16(3 << 8 | 20))  // made by Unix
        central.appendLittleEndian(UInt16(20))
        central.appendLittleEndian(UInt16(0x0800))
        central.appendLittleEndian(method)
        central.appendLittleEndian(UInt32(0))
        central.appendLittleEndian(checksum)
        central.appendLittleEndian(UInt32(stored.count))
        central.appendLittleEndian(UInt32(data.count))
        central.appendLittleEndian(UInt16(nameBytes.count))
        central.appendLittleEndian(UInt16(0))  // extra
        central.appendLittleEndian(UInt16(0))  // comment
        central.appendLittleEndian(UInt16(0))  // disk
        central.appendLittleEndian(UInt16(0))  // internal attributes
        central.appendLittleEndian(unixMode << 16)
        central.appendLittleEndian(UInt32(body.count))
        central += nameBytes

        body += local + stored
        directory += central
        count += 1
    }

    var data: Data {
        var end = Data()
        end.appendLittleEndian(UInt32(0x0605_4b50))
        end.appendLittleEndian(UInt32(0))  // disk numbers
        end.appendLittleEndian(count)
        end.appendLittleEndian(count)
        end.appendLittleEndian(UInt32(directory.count))
        end.appendLittleEndian(UInt32(body.count))
        end.appendLittleEndian(UInt16(0))
        return body + directory + end
    }
}

/// Builds ustar archives, with pax and GNU long-name records.
struct TarBuilder {
    private(set) var data = Data()

    mutating func file(_ name: String, _ contents: Data) {
        header(name: name, type: "0", size: contents.count)
        appendPadded(contents)
    }

    mutating func folder(_ name: String) { header(name: name, type: "5", size: 0) }

    mutating func link(_ name: String, to target: String, hard: Bool = false) {
        header(name: name, type: hard ? "1" : "2", size: 0, linkName: target)
    }

    /// A file whose name goes in a pax `path` record.
    mutating func paxFile(_ name: String, _ contents: Data) {
        let record = { (length: Int) in "\(length) path=\(name)\n" }
        var length = record(0).utf8.count
        while record(length).utf8.count != length { length = record(length).utf8.count }
        let pax = Data(record(length).utf8)
        header(name: "PaxHeaders/x", type: "x", size: pax.count)
        appendPadded(pax)
        file("short-name-ignored.png", contents)
    }

    /// A file whose name goes in a GNU `././@LongLink` record.
    mutating func gnuLongNameFile(_ name: String, _ contents: Data) {
        let longName = Data(name.utf8) + Data([0])
        header(name: "././@LongLink", type: "L", size: longName.count)
        appendPadded(longName)
        file("short-name-ignored.png", contents)
    }

    /// The archive with its two end blocks.
    var finished: Data { data + Data(count: 1024) }

    private mutating func header(name: String, type: Character, size: Int, linkName: String = "") {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { block[offset + index] = byte }
        }
        put(String(name.prefix(100)), at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(String(format: "%011o", size), at: 124)
        put("00000000000", at: 136)
        put("        ", at: 148)
        block[156] = type.asciiValue!
        put(linkName, at: 157)
        put("ustar", at: 257)
        put("00", at: 263)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum), at: 148)
        block[154] = 0
        data += Data(block)
    }

    private mutating func appendPadded(_ contents: Data) {
        data += contents
        let remainder = contents.count % 512
        if remainder != 0 { data += Data(count: 512 - remainder) }
    }
}

extension Data {
    fileprivate mutating func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}


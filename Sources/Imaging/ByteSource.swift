import Foundation

/// Random access to a file's bytes, so that header parsing reads only the few ranges it needs: a probe over
/// thousands of files then costs a handful of small reads per file, not the whole file.
protocol ByteSource {
    /// Total size in bytes.
    var count: Int { get }
    /// Up to `length` bytes from `offset`; fewer at the end of the data.
    func bytes(at offset: Int, length: Int) throws -> [UInt8]
}

extension ByteSource {
    /// Exactly `length` bytes from `offset`, or `truncated` naming `what` was being read.
    func exactly(at offset: Int, length: Int, _ format: ImageFormat, _ what: String) throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw ImageDecodingError.truncated(format, "the file ends inside the \(what)")
        }
        return try bytes(at: offset, length: length)
    }
}

struct MemoryBytes: ByteSource {
    let data: Data

    var count: Int { data.count }

    func bytes(at offset: Int, length: Int) throws -> [UInt8] {
        let start = data.startIndex + min(offset, data.count)
        return [UInt8](data[start..<(start + min(length, data.count - (start - data.startIndex)))])
    }
}

/// A file read through seeks; each call reads only the requested range.
final class FileBytes: ByteSource {
    private let handle: FileHandle
    private let path: String
    let count: Int

    init(url: URL) throws {
        path = url.path
        do {
            handle = try FileHandle(forReadingFrom: url)
            count = Int(try handle.seekToEnd())
        } catch {
            throw ImageDecodingError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    deinit { try? handle.close() }

    func bytes(at offset: Int, length: Int) throws -> [UInt8] {
        do {
            try handle.seek(toOffset: UInt64(min(offset, count)))
            return [UInt8](try handle.read(upToCount: length) ?? Data())
        } catch {
            throw ImageDecodingError.unreadable(path: path, reason: error.localizedDescription)
        }
    }
}

/// Big- and little-endian integers from byte arrays, bounds already checked by the caller.
extension Array where Element == UInt8 {
    func uint16(bigEndianAt index: Int) -> Int { Int(self[index]) << 8 | Int(self[index + 1]) }
    func uint16(littleEndianAt index: Int) -> Int { Int(self[index]) | Int(self[index + 1]) << 8 }
    func uint24(littleEndianAt index: Int) -> Int { uint16(littleEndianAt: index) | Int(self[index + 2]) << 16 }
    func uint32(bigEndianAt index: Int) -> Int { uint16(bigEndianAt: index) << 16 | uint16(bigEndianAt: index + 2) }
    func uint32(littleEndianAt index: Int) -> Int {
        uint16(littleEndianAt: index) | uint16(littleEndianAt: index + 2) << 16
    }
    func int32(littleEndianAt index: Int) -> Int { Int(Int32(truncatingIfNeeded: uint32(littleEndianAt: index))) }
}

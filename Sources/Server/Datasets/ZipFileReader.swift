import CZlib
import Foundation

/// One file of a zip archive as its central directory describes it.
struct ZipEntry {
    enum Kind { case file, folder, symbolicLink, special }

    var name: String
    var kind: Kind
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localHeaderOffset: UInt64
}

/// Reads the structures of a zip file (APPNOTE.TXT): the end of central directory record, the central directory
/// and the local headers.
struct ZipFileReader {
    let handle: FileHandle
    let archiveName: String

    /// The largest central directory read into memory: room for far more entries than any file limit allows.
    static let maxCentralDirectoryBytes: UInt64 = 64 << 20

    private func corrupt(_ reason: String) -> DatasetImportError {
        .invalidEntry(path: archiveName, reason: reason)
    }

    /// Every entry, in the order of the central directory.
    func centralDirectory() throws -> [ZipEntry] {
        let fileSize = try handle.seekToEnd()
        // The end record is 22 bytes plus a comment of at most 65 535 bytes.
        let tailSize = min(fileSize, 22 + 65_535)
        let tail = [UInt8](try read(at: fileSize - tailSize, count: Int(tailSize)))
        guard let endOffset = Self.lastIndex(of: 0x0605_4b50, in: tail, startingAtMost: tail.count - 22) else {
            throw corrupt("not a zip archive")
        }
        let end = ByteReader(tail, at: endOffset)
        var entryCount = UInt64(end.uint16(at: 10))
        var directorySize = UInt64(end.uint32(at: 12))
        var directoryOffset = UInt64(end.uint32(at: 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // A zip64 locator sits just before the end record and points at the zip64 end record.
            let locatorStart = fileSize - tailSize + UInt64(endOffset)
            guard locatorStart >= 20 else { throw corrupt("zip64 locator missing") }
            let locator = ByteReader([UInt8](try read(at: locatorStart - 20, count: 20)), at: 0)
            guard locator.uint32(at: 0) == 0x0706_4b50 else { throw corrupt("zip64 locator missing") }
            let zip64End = ByteReader([UInt8](try read(at: locator.uint64(at: 8), count: 56)), at: 0)
            guard zip64End.uint32(at: 0) == 0x0606_4b50 else { throw corrupt("zip64 end record missing") }
            entryCount = zip64End.uint64(at: 32)
            directorySize = zip64End.uint64(at: 40)
            directoryOffset = zip64End.uint64(at: 48)
        }
        guard directoryOffset <= fileSize, directorySize <= fileSize - directoryOffset,
            entryCount <= directorySize / 46
        else { throw corrupt("the central directory lies outside the file") }
        guard directorySize <= Self.maxCentralDirectoryBytes else {
            throw corrupt("the central directory is larger than \(Self.maxCentralDirectoryBytes) bytes")
        }
        let directory = [UInt8](try read(at: directoryOffset, count: Int(directorySize)))
        var entries: [ZipEntry] = []
        var offset = 0
        for _ in 0..<entryCount {
            guard offset + 46 <= directory.count else { throw corrupt("the central directory is truncated") }
            let record = ByteReader(directory, at: offset)
            guard record.uint32(at: 0) == 0x0201_4b50 else { throw corrupt("bad central directory record") }
            let nameLength = Int(record.uint16(at: 28))
            let extraLength = Int(record.uint16(at: 30))
            let commentLength = Int(record.uint16(at: 32))
            let recordEnd = offset + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= directory.count else { throw corrupt("the central directory is truncated") }
            let nameBytes = directory[(offset + 46)..<(offset + 46 + nameLength)]
            guard let name = String(bytes: nameBytes, encoding: .utf8) else {
                throw corrupt("an entry name is not UTF-8")
            }
            var entry = ZipEntry(
                name: name,
                kind: Self.kind(name: name, madeBy: record.uint16(at: 4), attributes: record.uint32(at: 38)),
                method: record.uint16(at: 10), flags: record.uint16(at: 8), crc32: record.uint32(at: 16),
                compressedSize: UInt64(record.uint32(at: 20)), uncompressedSize: UInt64(record.uint32(at: 24)),
                localHeaderOffset: UInt64(record.uint32(at: 42)))
            try applyZip64Extra(
                to: &entry,
                extra: Array(directory[(offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength)]))
            entries.append(entry)
            offset = recordEnd
        }
        return entries
    }

    /// Inflates (or copies) the entry's data into `sink`, then checks its size and CRC-32 against the directory.
    func unpack(_ entry: ZipEntry, into sink: (Data) throws -> Void) throws {
        func bad(_ reason: String) -> DatasetImportError { .invalidEntry(path: entry.name, reason: reason) }
        guard entry.flags & 1 == 0 else { throw bad("encrypted entries are not supported") }
        guard entry.method == 0 || entry.method == 8 else {
            throw bad("compression method \(entry.method) is not supported (only stored and deflate)")
        }
        let local = ByteReader([UInt8](try read(at: entry.localHeaderOffset, count: 30)), at: 0)
        guard local.uint32(at: 0) == 0x0403_4b50 else { throw bad("bad local header") }
        let dataOffset = entry.localHeaderOffset + 30 + UInt64(local.uint16(at: 26)) + UInt64(local.uint16(at: 28))
        try handle.seek(toOffset: dataOffset)
        var remaining = entry.compressedSize
        var checksum: UInt = 0
        var produced: UInt64 = 0
        func emit(_ chunk: Data) throws {
            produced += UInt64(chunk.count)
            checksum = chunk.withUnsafeBytes { bytes in
                CZlib.crc32(checksum, bytes.bindMemory(to: UInt8.self).baseAddress, UInt32(bytes.count))
            }
            try sink(chunk)
        }
        func nextCompressedChunk() throws -> Data? {
            guard remaining > 0 else { return nil }
            let chunk = try handle.read(upToCount: Int(min(remaining, 1 << 16))) ?? Data()
            guard !chunk.isEmpty else { throw bad("the archive is truncated") }
            remaining -= UInt64(chunk.count)
            return chunk
        }
        if entry.method == 0 {
            while let chunk = try nextCompressedChunk() { try emit(chunk) }
        } else {
            try RawInflater.inflate(next: nextCompressedChunk, emit: emit, corrupt: bad)
        }
        guard produced == entry.uncompressedSize, UInt32(truncatingIfNeeded: checksum) == entry.crc32 else {
            throw bad("the unpacked size or CRC-32 does not match the archive's directory")
        }
    }

    /// Replaces the 32-bit fields saturated at 0xFFFFFFFF with the values of the zip64 extra field (id 1), which
    /// holds only those, in this order.
    private func applyZip64Extra(to entry: inout ZipEntry, extra: [UInt8]) throws {
        let bytes = ByteReader(extra, at: 0)
        var offset = 0
        while offset + 4 <= extra.count {
            let id = bytes.uint16(at: offset)
            let size = Int(bytes.uint16(at: offset + 2))
            guard offset + 4 + size <= extra.count else { throw corrupt("bad extra field of \(entry.name)") }
            if id == 1 {
                var field = offset + 4
                func next() throws -> UInt64 {
                    guard field + 8 <= offset + 4 + size else { throw corrupt("bad zip64 field of \(entry.name)") }
                    defer { field += 8 }
                    return bytes.uint64(at: field)
                }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
            }
            offset += 4 + size
        }
    }

    /// A folder when the name ends in `/`; otherwise the Unix file type in the high half of the external
    /// attributes, for archives made on Unix (3) or macOS (19).
    private static func kind(name: String, madeBy: UInt16, attributes: UInt32) -> ZipEntry.Kind {
        if name.hasSuffix("/") { return .folder }
        guard madeBy >> 8 == 3 || madeBy >> 8 == 19 else { return .file }
        switch (attributes >> 16) & 0o170000 {
        case 0, 0o100000: return .file
        case 0o040000: return .folder
        case 0o120000: return .symbolicLink
        default: return .special
        }
    }

    /// The offset of the last little-endian `signature` in `bytes` that starts at or before `last`.
    private static func lastIndex(of signature: UInt32, in bytes: [UInt8], startingAtMost last: Int) -> Int? {
        guard last >= 0 else { return nil }
        for index in stride(from: last, through: 0, by: -1)
        where ByteReader(bytes, at: index).uint32(at: 0) == signature {
            return index
        }
        return nil
    }

    private func read(at offset: UInt64, count: Int) throws -> Data {
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw corrupt("the archive is truncated") }
        return data
    }
}

/// Little-endian fields of a byte buffer.
private struct ByteReader {
    let bytes: [UInt8]
    let base: Int

    init(_ bytes: [UInt8], at base: Int) {
        self.bytes = bytes
        self.base = base
    }

    func uint16(at offset: Int) -> UInt16 {
        UInt16(bytes[base + offset]) | UInt16(bytes[base + offset + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }
}

import Foundation

/// Unpacks a tar archive (ustar, pax `path` records, GNU long names) into staged entries. Only regular files and
/// folders are accepted: links, devices and FIFOs are refused with the entry's name.
enum TarExtraction {
    private static let blockSize = 512
    /// The most bytes of a pax header or GNU long name record read into memory.
    private static let maxMetadataBytes = 1 << 16

    static func extract(_ tarFile: URL, archiveName: String, into entries: StagedEntries) throws {
        guard let handle = FileHandle(forReadingAtPath: tarFile.path) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: tarFile.path])
        }
        defer { try? handle.close() }
        func corrupt(_ reason: String) -> DatasetImportError { .invalidEntry(path: archiveName, reason: reason) }

        var pendingLongName: String?
        var pendingPaxPath: String?
        var pendingPaxSize: Int64?
        var sawEntry = false
        while true {
            guard let header = try handle.read(upToCount: blockSize), !header.isEmpty else {
                if sawEntry { break }  // no end-of-archive blocks: accepted, as GNU tar does
                throw corrupt("the archive is empty")
            }
            guard header.count == blockSize else { throw corrupt("truncated tar header") }
            let bytes = [UInt8](header)
            if bytes.allSatisfy({ $0 == 0 }) { break }  // end of archive
            guard let block = TarHeader(bytes) else { throw corrupt("not a tar archive (bad header checksum)") }
            sawEntry = true
            guard let declaredSize = block.size else { throw corrupt("bad size field in a tar header") }
            let size = pendingPaxSize ?? declaredSize
            let name = pendingPaxPath ?? pendingLongName ?? block.path
            guard let name else { throw corrupt("an entry name is not UTF-8") }

            switch block.type {
            case "x", "g", "L", "K":
                guard size <= maxMetadataBytes else { throw corrupt("a tar metadata record is too large") }
                let data = try readExactly(Int(size), from: handle, archiveName: archiveName)
                try skipPadding(after: size, in: handle)
                switch block.type {
                case "x":
                    let records = try PaxRecords.parse(data, archiveName: archiveName)
                    pendingPaxPath = records.path
                    pendingPaxSize = records.size
                case "L":
                    let trimmed = data.prefix { $0 != 0 }
                    guard let longName = String(bytes: trimmed, encoding: .utf8) else {
                        throw corrupt("a GNU long name is not UTF-8")
                    }
                    pendingLongName = longName
                default:
                    break  // global pax headers and GNU long link names change nothing this reader keeps
                }
                continue
            case "0", "\0", "7":
                var remaining = size
                let staged = try entries.add(rawPath: name) { sink in
                    while remaining > 0 {
                        let chunk = try handle.read(upToCount: Int(min(remaining, 1 << 20))) ?? Data()
                        guard !chunk.isEmpty else { throw corrupt("\(name): the archive is truncated") }
                        remaining -= Int64(chunk.count)
                        try sink(chunk)
                    }
                }
                if !staged { try skip(size, in: handle, archiveName: archiveName) }
                try skipPadding(after: size, in: handle)
            case "5":
                try skip(size, in: handle, archiveName: archiveName)
                try skipPadding(after: size, in: handle)
            case "1": throw DatasetImportError.invalidEntry(path: name, reason: "hard links are not allowed")
            case "2": throw DatasetImportError.invalidEntry(path: name, reason: "symbolic links are not allowed")
            case "3", "4": throw DatasetImportError.invalidEntry(path: name, reason: "device files are not allowed")
            case "6": throw DatasetImportError.invalidEntry(path: name, reason: "FIFOs are not allowed")
            default:
                throw DatasetImportError.invalidEntry(
                    path: name, reason: "unsupported tar entry type '\(block.type)'")
            }
            pendingLongName = nil
            pendingPaxPath = nil
            pendingPaxSize = nil
        }
    }

    private static func readExactly(_ count: Int, from handle: FileHandle, archiveName: String) throws -> Data {
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else {
            throw DatasetImportError.invalidEntry(path: archiveName, reason: "the archive is truncated")
        }
        return data
    }

    private static func skip(_ count: Int64, in handle: FileHandle, archiveName: String) throws {
        guard count > 0 else { return }
        let target = try handle.offset() + UInt64(count)
        guard target <= (try handle.seekToEnd()) else {
            throw DatasetImportError.invalidEntry(path: archiveName, reason: "the archive is truncated")
        }
        try handle.seek(toOffset: target)
    }

    /// Entry data is padded to a whole block.
    private static func skipPadding(after size: Int64, in handle: FileHandle) throws {
        let remainder = Int(size % Int64(blockSize))
        if remainder != 0 { try handle.seek(toOffset: try handle.offset() + UInt64(blockSize - remainder)) }
    }
}

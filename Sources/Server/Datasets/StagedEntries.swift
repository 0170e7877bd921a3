import Foundation
import Store

/// The files of an import as they arrive (upload parts, archive entries, folder files), each a path inside the
/// dataset as the client named it and the staging file holding its bytes. Counts files and bytes against the limits
/// as they are written, and drops the entries that are never part of a dataset (dot files, `__MACOSX/`).
final class StagedEntries {
    /// One staged file.
    struct Entry {
        /// The path inside the dataset (safe, see `DatasetPath`), before layout normalisation.
        var path: String
        /// Where its bytes are.
        var file: URL
    }

    private(set) var entries: [Entry] = []
    private(set) var writtenBytes: Int64 = 0
    let staging: StagingFolder
    let maxFiles: Int
    /// The most bytes all the staged files together may hold.
    let maxBytes: Int64
    /// What the byte limit counts, for the 413 message (for example "the unpacked archive").
    let bytesDescription: String

    init(staging: StagingFolder, maxFiles: Int, maxBytes: Int64, bytesDescription: String) {
        self.staging = staging
        self.maxFiles = maxFiles
        self.maxBytes = maxBytes
        self.bytesDescription = bytesDescription
    }

    /// Checks `rawPath` (an archive or upload name) and returns the dataset path it names, or nil when the entry is
    /// to be skipped: folders, dot files and anything under `__MACOSX/`. A leading `./` is dropped, as tar writes it.
    static func datasetPath(of rawPath: String) throws(DatasetImportError) -> String? {
        var path = Substring(rawPath)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        if path.isEmpty || path == "." || path.hasSuffix("/") { return nil }
        let candidate = String(path)
        if let problem = DatasetPath.problem(with: candidate) {
            throw .invalidEntry(path: rawPath, reason: problem)
        }
        let components = candidate.split(separator: "/")
        if components.contains(where: { $0.hasPrefix(".") || $0 == "__MACOSX" }) { return nil }
        return candidate
    }

    /// Stages the bytes `write` produces under `rawPath`; returns false without calling `write` when the path names
    /// no dataset file. `write` gets a sink that takes the bytes in chunks and enforces the byte limit.
    @discardableResult
    func add(rawPath: String, _ write: (_ sink: (Data) throws -> Void) throws -> Void) throws -> Bool {
        guard let path = try Self.datasetPath(of: rawPath) else { return false }
        guard entries.count < maxFiles else {
            throw DatasetImportError.tooLarge("more than \(maxFiles) files: the server's limit is \(maxFiles)")
        }
        let (url, handle) = try staging.makeFile()
        defer { try? handle.close() }
        try write { chunk in
            try self.count(Int64(chunk.count))
            try handle.write(contentsOf: chunk)
        }
        entries.append(Entry(path: path, file: url))
        return true
    }

    /// Adds `byteCount` bytes to the total, throwing 413 past the limit.
    func count(_ byteCount: Int64) throws(DatasetImportError) {
        writtenBytes += byteCount
        if writtenBytes > maxBytes {
            throw .tooLarge("\(bytesDescription) is larger than the server's limit of \(maxBytes) bytes")
        }
    }
}

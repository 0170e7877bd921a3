import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Content-addressed files under `<data-dir>/blobs/sha256/ab/cdef…` (the first two hexadecimal digits of the sha256
/// name the folder, the other 62 the file).
///
/// A blob is written to a temporary file under `<data-dir>/blobs/tmp/`, fsynced, renamed into place and its folder
/// fsynced, all before `put` returns; so a caller that `put`s before committing the transaction that references the
/// blob never leaves a row pointing at nothing, whatever moment a crash comes.
public struct BlobStore: Sendable {
    /// `<data-dir>/blobs`.
    public let root: URL

    private var blobsFolder: URL { root.appendingPathComponent("sha256", isDirectory: true) }
    private var temporaryFolder: URL { root.appendingPathComponent("tmp", isDirectory: true) }

    /// The store under `<dataDirectory>/blobs`, creating its folders if needed.
    public init(dataDirectory: URL) throws {
        root = dataDirectory.appendingPathComponent("blobs", isDirectory: true)
        for folder in [blobsFolder, temporaryFolder] {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.io(path: folder.path, reason: "cannot create the folder")
            }
        }
    }

    /// Stores `data` and returns its reference; when a blob of that digest and size is already stored, writes nothing.
    @discardableResult
    public func put(_ data: Data, mediaType: String) throws -> BlobReference {
        let sha256 = SHA256.hash(data: data).hexString
        let reference = BlobReference(sha256: sha256, size: Int64(data.count), mediaType: mediaType)
        let destination = try url(for: sha256)
        if fileSize(destination) == reference.size { return reference }
        let temporary = try makeTemporaryFile()
        defer { try? FileManager.default.removeItem(at: temporary.url) }
        try write(temporary.handle, at: temporary.url) { handle in try handle.write(contentsOf: data) }
        try moveIntoPlace(temporary.url, destination: destination)
        return reference
    }

    /// Stores a copy of the file at `file`, hashing it while copying (the file is read once, in chunks).
    @discardableResult
    public func put(contentsOf file: URL, mediaType: String) throws -> BlobReference {
        let source: FileHandle
        do {
            source = try FileHandle(forReadingFrom: file)
        } catch {
            throw StoreError.io(path: file.path, reason: "cannot open for reading")
        }
        defer { try? source.close() }
        let temporary = try makeTemporaryFile()
        defer { try? FileManager.default.removeItem(at: temporary.url) }
        var hasher = SHA256()
        var size: Int64 = 0
        try write(temporary.handle, at: temporary.url) { handle in
            while true {
                let chunk: Data?
                do {
                    chunk = try source.read(upToCount: 1 << 20)
                } catch {
                    throw StoreError.io(path: file.path, reason: "read failed: \(error.localizedDescription)")
                }
                guard let chunk, !chunk.isEmpty else { break }
                hasher.update(data: chunk)
                size += Int64(chunk.count)
                try handle.write(contentsOf: chunk)
            }
        }
        let reference = BlobReference(sha256: hasher.finalize().hexString, size: size, mediaType: mediaType)
        try moveIntoPlace(temporary.url, destination: try url(for: reference.sha256))
        return reference
    }

    /// Where the blob `sha256` is (or would be) stored. Throws for a malformed digest, so that no caller-supplied
    /// string can name a path outside the store.
    public func url(for sha256: String) throws -> URL {
        guard BlobReference.isValidDigest(sha256) else { throw StoreError.invalidDigest(sha256) }
        return
            blobsFolder
            .appendingPathComponent(String(sha256.prefix(2)), isDirectory: true)
            .appendingPathComponent(String(sha256.dropFirst(2)))
    }

    /// Whether the blob `sha256` is stored.
    public func contains(_ sha256: String) throws -> Bool {
        FileManager.default.fileExists(atPath: try url(for: sha256).path)
    }

    /// Opens the blob `sha256` for reading.
    public func open(_ sha256: String) throws -> FileHandle {
        let url = try url(for: sha256)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw StoreError.blobNotFound(sha256: sha256) }
        return handle
    }

    /// What `collectUnreferenced` removed.
    public struct CollectionReport: Sendable, Equatable {
        /// The digests of the blobs deleted.
        public var deletedBlobs: Set<String> = []
        /// How many leftover temporary files (from writes a crash interrupted) were deleted.
        public var deletedTemporaryFiles = 0
    }

    /// Deletes every blob whose digest is not in `referenced`, every file in the blob folders that is not named like a
    /// blob, and every temporary file. Run it at start-up, before any `put`: a `put` in progress would lose its file.
    @discardableResult
    public func collectUnreferenced(referenced: Set<String>) throws -> CollectionReport {
        var collection = CollectionReport()
        for name in try contents(of: temporaryFolder) {
            try remove(temporaryFolder.appendingPathComponent(name))
            collection.deletedTemporaryFiles += 1
        }
        for shard in try contents(of: blobsFolder) {
            let shardFolder = blobsFolder.appendingPathComponent(shard, isDirectory: true)
            for name in try contents(of: shardFolder) {
                let sha256 = shard + name
                guard !(BlobReference.isValidDigest(sha256) && referenced.contains(sha256)) else { continue }
                try remove(shardFolder.appendingPathComponent(name))
                collection.deletedBlobs.insert(sha256)
            }
        }
        return collection
    }

    // MARK: - Files

    private func makeTemporaryFile() throws -> (url: URL, handle: FileHandle) {
        let url = temporaryFolder.appendingPathComponent(UUID().uuidString.lowercased())
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: url.path)
        else { throw StoreError.io(path: url.path, reason: "cannot create a temporary file") }
        return (url, handle)
    }

    /// Runs `body` on the temporary file, then fsyncs and closes it.
    private func write(_ handle: FileHandle, at url: URL, _ body: (FileHandle) throws -> Void) throws {
        defer { try? handle.close() }
        do {
            try body(handle)
            try handle.synchronize()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.io(path: url.path, reason: "write failed: \(error.localizedDescription)")
        }
    }

    /// Renames the fsynced temporary file over `destination` (same bytes if one is there) and fsyncs the folders
    /// whose entries changed, so that the rename itself survives a power loss.
    private func moveIntoPlace(_ temporary: URL, destination: URL) throws {
        let shardFolder = destination.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: shardFolder.path) {
            do {
                try FileManager.default.createDirectory(at: shardFolder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.io(path: shardFolder.path, reason: "cannot create the folder")
            }
            try synchronizeFolder(blobsFolder)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            throw StoreError.io(path: destination.path, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
        try synchronizeFolder(shardFolder)
    }

    private func synchronizeFolder(_ folder: URL) throws {
        #if canImport(Glibc)
            let descriptor = Glibc.open(folder.path, O_RDONLY)
        #else
            let descriptor = Darwin.open(folder.path, O_RDONLY)
        #endif
        guard descriptor >= 0 else {
            throw StoreError.io(path: folder.path, reason: "cannot open to fsync: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw StoreError.io(path: folder.path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    private func fileSize(_ url: URL) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
    }

    private func contents(of folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw StoreError.io(path: folder.path, reason: "cannot list the folder")
        }
    }

    private func remove(_ url: URL) throws {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw StoreError.io(path: url.path, reason: "cannot delete: \(error.localizedDescription)")
        }
    }
}

extension SHA256.Digest {
    fileprivate var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

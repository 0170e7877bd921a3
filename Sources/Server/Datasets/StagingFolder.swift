import Foundation

/// A private folder under `<data-dir>/tmp/` holding one request's uploaded and unpacked files until they are
/// validated and stored; removed when the request ends, whatever the outcome.
///
/// Files get generated names (`0`, `1`, …): no name a client sent ever becomes a path here. Sendable so that the
/// blocking work of an import can run on the thread pool; the file counter is behind a lock.
final class StagingFolder: @unchecked Sendable {
    let url: URL
    private let lock = NSLock()
    private var nextFileNumber = 0

    /// Creates `<dataDirectory>/tmp/<purpose>-<uuid>/`.
    init(dataDirectory: URL, purpose: String) throws {
        url = dataDirectory.appendingPathComponent("tmp", isDirectory: true)
            .appendingPathComponent("\(purpose)-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A new empty file, opened for writing.
    func makeFile() throws -> (url: URL, handle: FileHandle) {
        let number = lock.withLock {
            defer { nextFileNumber += 1 }
            return nextFileNumber
        }
        let file = url.appendingPathComponent(String(number))
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: file.path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
        return (file, handle)
    }

    /// Deletes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs `body` with a fresh staging folder and removes the folder afterwards, also when `body` throws.
    static func with<Result>(
        dataDirectory: URL, purpose: String, _ body: (StagingFolder) async throws -> Result
    ) async throws -> Result {
        let staging = try StagingFolder(dataDirectory: dataDirectory, purpose: purpose)
        defer { staging.remove() }
        return try await body(staging)
    }
}

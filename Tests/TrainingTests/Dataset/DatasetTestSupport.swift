import Foundation
import Testing
import Training

/// An image reader that knows sizes by file name, and throws for the names it is told to fail.
struct FakeImageReader: DatasetImageReader {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "corrupt test image" }
    }

    var sizes: [String: (width: Int, height: Int)]
    var failing: Set<String> = []

    func info(of url: URL) throws -> (width: Int, height: Int) {
        if failing.contains(url.lastPathComponent) { throw Unreadable() }
        guard let size = sizes[url.lastPathComponent] else { throw Unreadable() }
        return size
    }
}

/// A temporary folder tree for one test.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `contents` at `path` (relative), creating folders.
    @discardableResult
    func write(_ path: String, _ contents: String = "") throws -> URL {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        return file
    }

    func folder(_ path: String) throws {
        try FileManager.default.createDirectory(
            at: url.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// `path` relative to the scratch folder.
    func relative(_ path: String) -> String {
        String(path.dropFirst(url.path.count + 1))
    }
}

/// Tests/Fixtures/goldens/buckets.json, written by tools/make_bucket_fixtures.py from kohya's code.
enum BucketGoldens {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/goldens/buckets.json")

    static func load() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}

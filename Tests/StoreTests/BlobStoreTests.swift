import Foundation
import Testing

@testable import Store

@Suite struct BlobStoreTests {
    // sha256("abc") from FIPS 180-2, appendix B.1.
    static let abcDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func putStoresTheBytesAtTheirDigest() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        let reference = try store.put(Data("abc".utf8), mediaType: "text/plain")
        #expect(reference == BlobReference(sha256: Self.abcDigest, size: 3, mediaType: "text/plain"))
        let expectedPath = directory.url
            .appendingPathComponent("blobs/sha256/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try store.url(for: Self.abcDigest).standardizedFileURL.path == expectedPath.standardizedFileURL.path)
        #expect(try Data(contentsOf: expectedPath) == Data("abc".utf8))
        let handle = try store.open(Self.abcDigest)
        defer { try? handle.close() }
        #expect(try handle.readToEnd() == Data("abc".utf8))
        // Nothing is left in the temporary folder.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func puttingTheSameBytesTwiceIsIdempotent() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        let first = try store.put(Data("abc".utf8), mediaType: "text/plain")
        let second = try store.put(Data("abc".utf8), mediaType: "text/plain")
        #expect(first == second)
        #expect(try Data(contentsOf: store.url(for: first.sha256)) == Data("abc".utf8))
    }

    @Test func aFileIsStoredByContentAndMatchesTheDataPut() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        // Over one read chunk (1 MiB), so the streamed hash spans several updates.
        var bytes = Data(count: (1 << 20) * 2 + 17)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
        let source = directory.url.appendingPathComponent("weights.safetensors")
        try bytes.write(to: source)
        let fromFile = try store.put(contentsOf: source, mediaType: "application/octet-stream")
        let fromData = try BlobStore(dataDirectory: directory.url.appendingPathComponent("other"))
            .put(bytes, mediaType: "application/octet-stream")
        #expect(fromFile == fromData)
        #expect(fromFile.size == Int64(bytes.count))
        #expect(try Data(contentsOf: store.url(for: fromFile.sha256)) == bytes)
    }

    @Test(arguments: [
        "", "../../../etc/passwd", String(repeating: "A", count: 64), String(repeating: "g", count: 64),
        String(repeating: "a", count: 63), "ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ])
    func aMalformedDigestIsRefused(digest: String) throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        #expect(throws: StoreError.invalidDigest(digest)) { try store.url(for: digest) }
        #expect(throws: StoreError.invalidDigest(digest)) { try store.open(digest) }
    }

    @Test func openingAMissingBlobSaysSo() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        #expect(throws: StoreError.blobNotFound(sha256: Self.abcDigest)) { try store.open(Self.abcDigest) }
    }

    @Test func putFromAMissingFileNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        let missing = directory.url.appendingPathComponent("missing.png")
        #expect(throws: StoreError.io(path: missing.path, reason: "cannot open for reading")) {
            try store.put(contentsOf: missing, mediaType: "image/png")
        }
    }

    @Test func collectionKeepsReferencedBlobsAndDeletesTheRestAndTemporaryFiles() throws {
        let directory = try TemporaryDirectory()
        let store = try BlobStore(dataDirectory: directory.url)
        let kept = try store.put(Data("kept".utf8), mediaType: "text/plain")
        let dropped = try store.put(Data("dropped".utf8), mediaType: "text/plain")
        let leftover = store.root.appendingPathComponent("tmp/interrupted-write")
        try Data("partial".utf8).write(to: leftover)
        let stray = store.root.appendingPathComponent("sha256/ba/not-a-digest")
        try FileManager.default.createDirectory(
            at: stray.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: stray)

        let collection = try store.collectUnreferenced(referenced: [kept.sha256])
        #expect(collection.deletedTemporaryFiles == 1)
        #expect(collection.deletedBlobs == [dropped.sha256, "banot-a-digest"])
        #expect(try store.contains(kept.sha256))
        #expect(try !store.contains(dropped.sha256))
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(!FileManager.default.fileExists(atPath: stray.path))
    }
}

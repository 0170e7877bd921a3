import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// Every refused import answers 4xx naming the problem and stores nothing: no rows, no blobs, no staging leftovers.
@Suite struct DatasetsValidationTests {
    /// Posts `body` and returns the status and problem document, after checking that nothing was stored.
    private func refused(
        _ body: ByteBuffer, contentType: String?, uri: String = "/v1/datasets", server: DatasetTestServer? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (HTTPResponse.Status, ProblemError.Document) {
        let server = try server ?? DatasetTestServer()
        let result = OutcomeBox()
        try await server.test { client in
            var headers: HTTPFields = [:]
            if let contentType { headers[.contentType] = contentType }
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
            result.set(response.status, try problemDocument(response))
        }
        try server.expectNothingStored(sourceLocation: sourceLocation)
        return try #require(result.value)
    }

    private func refusedMultipart(
        _ build: (inout MultipartBody) throws -> Void, server: DatasetTestServer? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (HTTPResponse.Status, ProblemError.Document) {
        var body = MultipartBody()
        try build(&body)
        return try await refused(
            body.finished, contentType: body.contentType, server: server, sourceLocation: sourceLocation)
    }

    private func refusedArchive(
        _ archive: Data, contentType: String, server: DatasetTestServer? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (HTTPResponse.Status, ProblemError.Document) {
        try await refused(
            ByteBuffer(bytes: archive), contentType: contentType, server: server, sourceLocation: sourceLocation)
    }

    @Test func withATokenAnImportNeedsIt() async throws {
        let configuration = try testConfiguration(token: "t0ken")
        let services = try ServerServices.open(configuration: configuration)
        var body = MultipartBody()
        body.file("a.png", try testPNG())
        let upload = body
        try await buildApplication(services: services).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/datasets", method: .post, headers: [.contentType: upload.contentType], body: upload.finished)
            #expect(response.status == .unauthorized)
        }
        let count = try await services.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM datasets")
        }
        #expect(count == 0)
    }

    @Test func unknownMediaTypeIs415() async throws {
        let (status, problem) = try await refused(ByteBuffer(string: "hello"), contentType: "text/plain")
        #expect(status == .unsupportedMediaType)
        #expect(problem.detail?.contains("text/plain") == true)
        let (missingStatus, _) = try await refused(ByteBuffer(string: "hello"), contentType: nil)
        #expect(missingStatus == .unsupportedMediaType)
    }

    @Test func badMultipartIs422() async throws {
        let (noBoundary, problem) = try await refused(ByteBuffer(string: "x"), contentType: "multipart/form-data")
        #expect(noBoundary == .unprocessableContent)
        #expect(problem.errors?.first?.field == "Content-Type")

        let (garbage, _) = try await refused(
            ByteBuffer(string: "this is not multipart"), contentType: MultipartBody().contentType)
        #expect(garbage == .unprocessableContent)

        // A part cut off before the closing boundary.
        var truncated = MultipartBody()
        truncated.file("a.png", try testPNG())
        let (cut, _) = try await refused(
            ByteBuffer(bytes: truncated.bytes.dropLast(10)), contentType: truncated.contentType)
        #expect(cut == .unprocessableContent)

        let (noName, _) = try await refused(
            ByteBuffer(
                string:
                    "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data\r\n\r\nx\r\n--\(MultipartBody.boundary)--\r\n"
            ),
            contentType: MultipartBody().contentType)
        #expect(noName == .unprocessableContent)

        // A header line that never ends is refused once it outgrows the parser's allowance, not buffered on.
        let endless =
            "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\""
            + String(repeating: "x", count: 100_000)
        let (longHeader, longHeaderProblem) = try await refused(
            ByteBuffer(string: endless), contentType: MultipartBody().contentType)
        #expect(longHeader == .unprocessableContent)
        #expect(longHeaderProblem.detail?.contains("too long") == true)

        let (unknownField, fieldProblem) = try await refusedMultipart { body in
            body.field("colour", "blue")
            body.file("a.png", try testPNG())
        }
        #expect(unknownField == .unprocessableContent)
        #expect(fieldProblem.errors?.first?.field == "colour")
    }

    @Test func emptyUploadIs422() async throws {
        let (status, problem) = try await refusedMultipart { body in body.field("name", "nothing") }
        #expect(status == .unprocessableContent)
        #expect(problem.errors?.first?.field == "files")
        let (emptyZip, _) = try await refusedArchive(ZipBuilder().data, contentType: "application/zip")
        #expect(emptyZip == .unprocessableContent)
        let (emptyBody, _) = try await refusedArchive(Data(), contentType: "application/x-tar")
        #expect(emptyBody == .unprocessableContent)
    }

    @Test func badFieldValuesAre422() async throws {
        for (field, value) in [
            ("repeats", "0"), ("repeats", "ten"), ("repeats", "1000001"), ("class_tokens", "a/b"), ("name", " "),
        ] {
            let (status, problem) = try await refusedMultipart { body in
                body.field(field, value)
                body.file("a.png", try testPNG())
            }
            #expect(status == .unprocessableContent, "\(field)=\(value)")
            #expect(problem.errors?.first?.field == field, "\(field)=\(value)")
        }
    }

    @Test func nonImageFilesAre422() async throws {
        let (notes, problem) = try await refusedMultipart { body in
            body.file("a.png", try testPNG())
            body.file("notes.md", Data("# notes".utf8))
        }
        #expect(notes == .unprocessableContent)
        #expect(problem.errors?.first?.field == "notes.md")

        let (fake, fakeProblem) = try await refusedMultipart { body in
            body.file("a.png", try testPNG())
            body.file("b.png", Data("plain text pretending".utf8))
        }
        #expect(fake == .unprocessableContent)
        #expect(fakeProblem.errors?.first?.field == "10_dataset/b.png")
    }

    @Test func captionProblemsAre422() async throws {
        let (orphan, orphanProblem) = try await refusedMultipart { body in
            body.file("a.png", try testPNG())
            body.file("b.txt", Data("no image".utf8))
        }
        #expect(orphan == .unprocessableContent)
        #expect(orphanProblem.errors?.first?.field == "10_dataset/b.txt")

        let (badUTF8, utf8Problem) = try await refusedMultipart { body in
            body.file("a.png", try testPNG())
            body.file("a.txt", Data([0x61, 0xFF, 0xFE, 0x62]))
        }
        #expect(badUTF8 == .unprocessableContent)
        #expect(utf8Problem.errors?.first?.message.contains("UTF-8") == true)

        let (shared, _) = try await refusedMultipart { body in
            body.file("a.png", try testPNG(seed: 1))
            body.file("a.jpg", try testPNG(seed: 2))
        }
        #expect(shared == .unprocessableContent)

        let (twice, twiceProblem) = try await refusedMultipart { body in
            body.file("a.png", try testPNG(seed: 1))
            body.file("10_dataset/a.png", try testPNG(seed: 2))
        }
        #expect(twice == .unprocessableContent)
        #expect(twiceProblem.errors?.first?.message.contains("twice") == true)
    }

    @Test func unsafeUploadNamesAre422() async throws {
        for name in [
            "../x.png", "/abs/x.png", "a\u{1}b.png", "10_x//a.png", "10_x/./a.png", "a\\b.png",
            String(repeating: "n", count: 256) + ".png", "1_a/2_b/c.png", "1000001_many/a.png",
        ] {
            let (status, problem) = try await refusedMultipart { body in body.file(name, try testPNG()) }
            #expect(status == .unprocessableContent, "\(name)")
            #expect(problem.errors?.isEmpty == false, "\(name)")
        }
        // A folder that is not N_name, beside a loose image (so it is not one top folder to strip).
        let (notKohya, problem) = try await refusedMultipart { body in
            body.file("notkohya/a.png", try testPNG())
            body.file("b.png", try testPNG(seed: 1))
        }
        #expect(notKohya == .unprocessableContent)
        #expect(problem.errors?.first?.field == "notkohya/a.png")
    }

    @Test func unsafeZipEntriesAre422() async throws {
        for name in ["../x.png", "/etc/x.png", "10_a/../../x.png"] {
            var zip = ZipBuilder()
            zip.add("10_a/ok.png", try testPNG())
            zip.add(name, try testPNG(seed: 1))
            let (status, problem) = try await refusedArchive(zip.data, contentType: "application/zip")
            #expect(status == .unprocessableContent, "\(name)")
            #expect(problem.errors?.first?.field == name)
        }
        var links = ZipBuilder()
        links.add("10_a/ok.png", try testPNG())
        links.add("10_a/link.png", Data("/etc/passwd".utf8), compress: false, unixMode: 0o120777)
        let (status, problem) = try await refusedArchive(links.data, contentType: "application/zip")
        #expect(status == .unprocessableContent)
        #expect(problem.errors?.first?.field == "10_a/link.png")
        #expect(problem.detail?.contains("symbolic link") == true)

        let (notZip, _) = try await refusedArchive(Data("PK but not really".utf8), contentType: "application/zip")
        #expect(notZip == .unprocessableContent)
    }

    @Test func unsafeTarEntriesAre422() async throws {
        var slip = TarBuilder()
        slip.file("../x.png", try testPNG())
        let (slipStatus, slipProblem) = try await refusedArchive(slip.finished, contentType: "application/x-tar")
        #expect(slipStatus == .unprocessableContent)
        #expect(slipProblem.errors?.first?.field == "../x.png")

        var symbolic = TarBuilder()
        symbolic.file("10_a/ok.png", try testPNG())
        symbolic.link("10_a/evil.png", to: "/etc/passwd")
        let (symbolicStatus, symbolicProblem) = try await refusedArchive(
            symbolic.finished, contentType: "application/x-tar")
        #expect(symbolicStatus == .unprocessableContent)
        #expect(symbolicProblem.errors?.first?.field == "10_a/evil.png")

        var hard = TarBuilder()
        hard.file("10_a/ok.png", try testPNG())
        hard.link("10_a/hard.png", to: "10_a/ok.png", hard: true)
        let (hardStatus, _) = try await refusedArchive(gzipped(hard.finished), contentType: "application/gzip")
        #expect(hardStatus == .unprocessableContent)

        var corrupt = TarBuilder()
        corrupt.file("10_a/ok.png", try testPNG())
        var bytes = corrupt.finished
        bytes[0] ^= 0xFF  // the header checksum no longer matches
        let (corruptStatus, _) = try await refusedArchive(bytes, contentType: "application/x-tar")
        #expect(corruptStatus == .unprocessableContent)

        let (notGzip, _) = try await refusedArchive(Data("not gzip".utf8), contentType: "application/gzip")
        #expect(notGzip == .unprocessableContent)
    }

    @Test func archiveBombsStopAtTheExpandedLimit() async throws {
        let limits = DatasetLimits(maxUploadBytes: 1 << 20, maxExpandedBytes: 64 * 1024, maxFiles: 100)
        let zeros = Data(count: 4 << 20)

        var zip = ZipBuilder()
        zip.add("10_a/bomb.png", zeros)
        let zipArchive = zip.data
        #expect(zipArchive.count < 64 * 1024)
        let (zipStatus, _) = try await refusedArchive(
            zipArchive, contentType: "application/zip", server: try DatasetTestServer(limits: limits))
        #expect(zipStatus == .contentTooLarge)

        var tar = TarBuilder()
        tar.file("10_a/bomb.png", zeros)
        let tarGz = gzipped(tar.finished)
        #expect(tarGz.count < 64 * 1024)
        let (tarStatus, _) = try await refusedArchive(
            tarGz, contentType: "application/gzip", server: try DatasetTestServer(limits: limits))
        #expect(tarStatus == .contentTooLarge)
    }

    @Test func uploadAndFileCountLimitsAre413() async throws {
        let small = DatasetLimits(maxUploadBytes: 1000, maxExpandedBytes: 1 << 20, maxFiles: 2)
        let (bodyStatus, _) = try await refusedMultipart(
            { body in body.file("a.png", Data(count: 2000)) }, server: try DatasetTestServer(limits: small))
        #expect(bodyStatus == .contentTooLarge)

        let few = DatasetLimits(maxUploadBytes: 1 << 20, maxExpandedBytes: 1 << 20, maxFiles: 2)
        let (countStatus, _) = try await refusedMultipart(
            { body in
                for seed in 0..<3 { body.file("\(seed).png", try testPNG(width: 8, height: 8, seed: UInt8(seed))) }
            }, server: try DatasetTestServer(limits: few))
        #expect(countStatus == .contentTooLarge)

        var zip = ZipBuilder()
        for seed in 0..<3 { zip.add("\(seed).png", try testPNG(width: 8, height: 8, seed: UInt8(seed))) }
        let (zipCount, _) = try await refusedArchive(
            zip.data, contentType: "application/zip", server: try DatasetTestServer(limits: few))
        #expect(zipCount == .contentTooLarge)
    }

    @Test func foldersOutsideTheRootAre422() async throws {
        let root = try makeTemporaryDirectory()
        let outside = try makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: outside)
        }
        try FileManager.default.createDirectory(
            at: outside.appendingPathComponent("10_x"), withIntermediateDirectories: true)
        try testPNG().write(to: outside.appendingPathComponent("10_x/secret.png"))
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("escape"), withDestinationURL: outside)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("inside/10_x"), withIntermediateDirectories: true)
        try testPNG(seed: 1).write(to: root.appendingPathComponent("inside/10_x/ok.png"))
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("inside/10_x/stolen.png"),
            withDestinationURL: outside.appendingPathComponent("10_x/secret.png"))

        let cases: [(String, String)] = [
            (#"{"path": "../\#(outside.lastPathComponent)"}"#, "path"),
            (#"{"path": "\#(outside.path)"}"#, "path"),
            (#"{"path": "escape"}"#, "path"),
            (#"{"path": "missing"}"#, "path"),
            (#"{"path": "inside"}"#, "10_x/stolen.png"),
            (#"{"name": 3, "path": "inside"}"#, "body"),
            (#"not json"#, "body"),
        ]
        for (json, field) in cases {
            let (status, problem) = try await refused(
                ByteBuffer(string: json), contentType: "application/json",
                server: try DatasetTestServer(datasetRoots: [root]))
            #expect(status == .unprocessableContent, "\(json)")
            #expect(problem.errors?.first?.field == field, "\(json)")
        }
        let (noRoot, noRootProblem) = try await refused(
            ByteBuffer(string: #"{"path": "inside"}"#), contentType: "application/json")
        #expect(noRoot == .unprocessableContent)
        #expect(noRootProblem.detail?.contains("dataset-root") == true)
    }
}

/// Carries a value out of a `@Sendable` test closure.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (HTTPResponse.Status, ProblemError.Document)?

    var value: (HTTPResponse.Status, ProblemError.Document)? { lock.withLock { stored } }

    func set(_ status: HTTPResponse.Status, _ document: ProblemError.Document) {
        lock.withLock { stored = (status, document) }
    }
}

import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `lorad serve` as an operator runs it: it listens, answers `/healthz`, and exits 0 on SIGTERM.
@Suite final class ServeCommandTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    @Test func servesHealthAndStopsCleanlyOnSIGTERM() async throws {
        let dataDirectory = scratch.appendingPathComponent("data")
        let server = try await ServerProcess(["--data-dir", dataDirectory.path], logs: scratch)
        #expect(FileManager.default.fileExists(atPath: dataDirectory.path))

        let (status, body, _) = try await server.request("GET", "/healthz")
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == #"{"status":"ok"}"#)

        try await server.stop(with: SIGTERM)
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0, "stderr: \(server.stderr)")
    }

    /// Open event streams do not hold a shutdown up: they end, and the server exits 0 (clients reconnect to the
    /// next one).
    @Test func openEventStreamsEndAtShutdown() async throws {
        let server = try await ServerProcess(
            ["--data-dir", scratch.appendingPathComponent("data").path], logs: scratch)
        let url = try #require(URL(string: server.base + "/v1/events"))
        let stream = Task { try await URLSession.shared.data(from: url) }
        try await Task.sleep(for: .seconds(1))
        let stopped = ContinuousClock.now
        try await server.stop(with: SIGTERM)
        #expect(server.process.terminationStatus == 0, "stderr: \(server.stderr)")
        // Hummingbird's graceful shutdown would otherwise wait for the stream until the stop timeout.
        #expect(ContinuousClock.now - stopped < .seconds(60))
        #expect((try await stream.value.1 as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test(arguments: [
        (["--port", "70000"], "--port"),
        (["--port", "seven"], "port"),
        (["--workers", "0"], "--workers"),
        (["--host", ""], "--host"),
        (["--token", "two words"], "--token"),
        (["--webhook-secret", "too short"], "--webhook-secret"),
        (["--models-dir", "/nonexistent/lorad-models"], "--models-dir"),
        (["--dataset-root", "/nonexistent/lorad-datasets"], "--dataset-root"),
        (["--host", "0.0.0.0"], "--host"),
        (["--save-state-every", "0"], "--save-state-every"),
        (["--max-upload-bytes", "0"], "--max-upload-bytes"),
        (["--max-expanded-bytes", "-1"], "--max-expanded-bytes"),
        (["--max-dataset-files", "0"], "--max-dataset-files"),
    ])
    func badValuesAreUsageErrors(arguments: [String], option: String) throws {
        let outcome = try LoradProcess.run(
            ["serve", "--data-dir", scratch.appendingPathComponent("data").path] + arguments)
        #expect(outcome.status == 2)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(option), "\(outcome.stderr)")
    }

    @Test func dataDirThatCannotBeCreatedIsAUsageError() throws {
        let file = scratch.appendingPathComponent("file")
        try Data().write(to: file)
        let outcome = try LoradProcess.run(["serve", "--data-dir", file.appendingPathComponent("data").path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--data-dir"), "\(outcome.stderr)")
    }

    /// A second server on the same data directory would requeue the first one's running jobs as crashed.
    @Test func aSecondServerOnTheSameDataDirectoryIsRefused() async throws {
        let dataDirectory = scratch.appendingPathComponent("data").path
        let first = try await ServerProcess(["--data-dir", dataDirectory], logs: scratch)
        let second = try LoradProcess.run(["serve", "--port", "0", "--data-dir", dataDirectory])
        #expect(second.status != 0)
        #expect(second.stderr.contains("in use by another lorad server"), "\(second.stderr)")
        try await first.stop(with: SIGTERM)
        #expect(first.process.terminationStatus == 0)
    }
}

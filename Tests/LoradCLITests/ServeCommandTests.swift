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
        let (stdoutURL, stderrURL) = (scratch.appendingPathComponent("out"), scratch.appendingPathComponent("err"))
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        let dataDirectory = scratch.appendingPathComponent("data")
        let process = Process()
        process.executableURL = try LoradProcess.executable()
        process.arguments = ["serve", "--port", "0", "--data-dir", dataDirectory.path]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "LORAD_TOKEN" }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The server prints its address once it listens (port 0: the system chose it).
        var address: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while address == nil, process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let out = String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
            address = out.split(separator: "\n").first { $0.hasPrefix("listening on ") }
                .map { String($0.dropFirst("listening on ".count)) }
        }
        let stderr = { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }
        let base = try #require(address, "no address printed; stderr: \(stderr())")
        #expect(FileManager.default.fileExists(atPath: dataDirectory.path))

        let (body, response) = try await URLSession.shared.data(from: try #require(URL(string: base + "/healthz")))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self) == #"{"status":"ok"}"#)

        kill(process.processIdentifier, SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < stopDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!process.isRunning, "still running 30 s after SIGTERM")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "stderr: \(stderr())")
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

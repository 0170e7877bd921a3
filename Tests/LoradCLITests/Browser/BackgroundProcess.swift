import Foundation

/// A process started for a test that runs beside it (a server, a WebDriver), its output going to files so that no
/// pipe fills up; it is stopped when the test ends.
final class BackgroundProcess {
    let name: String
    private let process: Process
    private let directory: URL
    private let stdoutURL: URL
    private let stderrURL: URL

    /// Starts `executable arguments…`; the output files live in a new temporary folder removed by `stop()`.
    init(name: String, executable: URL, arguments: [String], environment: [String: String]? = nil) throws {
        self.name = name
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout")
        stderrURL = directory.appendingPathComponent("stderr")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        for path in [stdoutURL, stderrURL] { try Data().write(to: path) }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        self.process = process
    }

    /// Everything the process wrote to stdout and stderr so far.
    var output: String {
        let read = { (url: URL) in String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        return "stdout:\n\(read(stdoutURL))\nstderr:\n\(read(stderrURL))"
    }

    /// What follows `prefix` in the first stdout line starting with it, once the process has printed one; nil when
    /// the process exits or `timeout` passes first.
    func waitForLine(startingWith prefix: String, timeout: Duration) async throws -> String? {
        // Checked before the deadline: on 2 cores other tests may hold this process's threads for long.
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
            guard process.isRunning, ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sends SIGTERM, waits up to ten seconds, then SIGKILL; removes the output folder.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

import Foundation
import Testing

/// Runs the built `lorad` executable, which SwiftPM puts next to the test bundle.
enum LoradProcess {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String

        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
    }

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // LoradCLITests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    /// The products directory: where the test runner lives (Linux: the `.xctest` executable; macOS: inside the
    /// `.xctest` bundle).
    static func executable() throws -> URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            runner.deletingLastPathComponent(),
        ].map { $0.appendingPathComponent("lorad") }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "no lorad executable in \(candidates.map(\.path))")
    }

    /// Runs `lorad arguments…` to completion, its output going to files so that neither pipe can fill up.
    static func run(_ arguments: [String]) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (stdoutURL, stderrURL) = (directory.appendingPathComponent("out"), directory.appendingPathComponent("err"))
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
    }
}

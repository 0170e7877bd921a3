import Foundation
import Testing

/// The README's curl session, run as written against a real `lorad serve`: upload, submit, watch with `curl -N`,
/// download and verify.
@Suite final class ReadmeSessionTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    static let repository = LoradProcess.fixtures.deletingLastPathComponent().deletingLastPathComponent()

    /// The first `sh` block after the heading `### A session with curl`.
    static func sessionScript() throws -> String {
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "### A session with curl"), "the README has no curl session")
        let rest = readme[section.upperBound...]
        let start = try #require(rest.range(of: "```sh\n"))
        let end = try #require(rest[start.upperBound...].range(of: "\n```"))
        return String(rest[start.upperBound..<end.lowerBound])
    }

    @Test(.enabled(if: ["curl", "jq"].allSatisfy(isInstalled), "needs curl and jq (tools/setup.sh installs them)"))
    func theCurlSessionRunsAsWritten() async throws {
        let script = try Self.sessionScript()
        // As the README's first command starts it: no models folder, the demo model registered on the first start.
        let server = try await ServerProcess(
            ["--data-dir", scratch.appendingPathComponent("data").path], logs: scratch)
        // The session's relative paths are the repository's; its files land in the scratch folder.
        let work = scratch.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: work.appendingPathComponent("Tests"),
            withDestinationURL: Self.repository.appendingPathComponent("Tests"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-euo", "pipefail", "-c", script]
        process.currentDirectoryURL = work
        process.environment = ProcessInfo.processInfo.environment.merging(["LORAD": server.base]) { $1 }
        let output = work.appendingPathComponent("session.out")
        try Data().write(to: output)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)\nserver: \(server.stderr)")
        #expect(text.contains("event: progress"))
        #expect(text.contains("event: sample"))
        #expect(text.contains("event: state\ndata: {\"state\":\"succeeded\"}"))
        #expect(text.contains("stripes.safetensors: OK"))
        try await server.stop(with: SIGTERM)
    }
}

/// Whether `command` is on the PATH.
func isInstalled(_ command: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(command)")
    }
}

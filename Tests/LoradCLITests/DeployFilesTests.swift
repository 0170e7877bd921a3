import ArgumentParser
import Foundation
import Testing

@testable import lorad

/// deploy/ holds files that no test runs (systemd, Docker, nginx): these checks keep them in step with `lorad serve`.
@Suite struct DeployFilesTests {
    static let deploy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(name), encoding: .utf8)
    }

    /// The `lorad serve` arguments parsed by lorad's own parser, so that an option that does not exist fails here.
    static func serveCommand(_ arguments: [String]) throws -> ServeCommand {
        try #require(arguments.first == "serve", "\(arguments)")
        return try #require(try Lorad.parseAsRoot(arguments) as? ServeCommand)
    }

    /// The value of each `Key=` line of a systemd unit, in order.
    static func unitValues(_ key: String, in unit: String) -> [String] {
        unit.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    @Test func theSystemdUnitRunsAServeCommandThatParses() throws {
        let unit = try Self.text("lorad.service")
        let execStart = try #require(Self.unitValues("ExecStart", in: unit).first)
        let words = execStart.split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/lorad")
        let serve = try Self.serveCommand(Array(words.dropFirst()))
        #expect(serve.host == "127.0.0.1")
        #expect(serve.dataDir == "/var/lib/lorad")

        // `lorad serve` refuses a models folder or dataset root that does not exist: systemd creates them.
        let stateDirectories = Set(
            Self.unitValues("StateDirectory", in: unit).flatMap { $0.split(separator: " ") }.map { "/var/lib/\($0)" })
        for folder in [serve.dataDir] + serve.modelsDir + serve.datasetRoot {
            #expect(stateDirectories.contains(folder), "\(folder) is not created by StateDirectory=")
        }
        #expect(Self.unitValues("ReadWritePaths", in: unit).contains(serve.dataDir))
    }

    @Test func theSystemdUnitStopsGentlyAndKeepsTheGPU() throws {
        let unit = try Self.text("lorad.service")
        #expect(Self.unitValues("KillSignal", in: unit) == ["SIGTERM"])
        let stopSeconds = try #require(Self.unitValues("TimeoutStopSec", in: unit).first.flatMap { Int($0) })
        #expect(stopSeconds >= 120)
        #expect(Self.unitValues("EnvironmentFile", in: unit) == ["-/etc/lorad/env"])
        #expect(Self.unitValues("User", in: unit) == ["lorad"])
        #expect(Self.unitValues("NoNewPrivileges", in: unit) == ["yes"])
        #expect(Self.unitValues("ProtectSystem", in: unit) == ["strict"])
        #expect(Self.unitValues("PrivateDevices", in: unit).isEmpty, "PrivateDevices hides /dev/nvidia*")
        let devices = Self.unitValues("DeviceAllow", in: unit)
        for node in ["char-nvidia-frontend", "char-nvidia-uvm", "/dev/nvidiactl"] {
            #expect(devices.contains("\(node) rw"), "no DeviceAllow=\(node) rw")
        }
    }

    @Test func theDockerImageRunsAServeCommandThatParses() throws {
        let dockerfile = try Self.text("Dockerfile")
        let lines = dockerfile.split(separator: "\n").map(String.init)
        let cmd = try #require(lines.last { $0.hasPrefix("CMD ") })
        let words = try JSONDecoder().decode([String].self, from: Data(cmd.dropFirst("CMD ".count).utf8))
        #expect(words.first == "lorad")
        let serve = try Self.serveCommand(Array(words.dropFirst()))
        #expect(serve.host == "0.0.0.0")
        #expect(lines.contains("VOLUME \(serve.dataDir)"))
        #expect(lines.contains("EXPOSE \(serve.port)"))
        #expect(dockerfile.contains("http://127.0.0.1:\(serve.port)/healthz"))
        #expect(dockerfile.contains("COPY static \(serve.staticDir)"))
        #expect(lines.contains { $0.hasPrefix("USER ") && !$0.hasSuffix(" root") })
        #expect(dockerfile.contains("--static-swift-stdlib"))
        #expect(dockerfile.contains(".resources"), "the binary needs its resource bundles")
    }

    @Test func theNginxSnippetPassesServerSentEventsThrough() throws {
        let nginx = try Self.text("nginx.conf")
        let defaultPort = try ServeCommand.parse([]).port
        // Each line without its comment, its spaces collapsed.
        let directives = Set(
            nginx.split(separator: "\n")
                .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
                .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
        for directive in [
            "proxy_buffering off;", "proxy_cache off;", "proxy_http_version 1.1;", #"proxy_set_header Connection "";"#,
            "server 127.0.0.1:\(defaultPort);",
        ] {
            #expect(directives.contains(directive), "no \(directive)")
        }
        #expect(directives.contains { $0.hasPrefix("proxy_read_timeout ") })
        #expect(directives.contains { $0.hasPrefix("client_max_body_size ") })
    }
}

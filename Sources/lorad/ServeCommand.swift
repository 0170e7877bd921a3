import ArgumentParser
import CUDA
import Foundation
import Logging
import NIOCore
import Server

/// `lorad serve`: runs the HTTP server until SIGTERM or SIGINT, then exits with status 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the lorad HTTP server.",
        discussion: """
            Serves GET /healthz, GET /metrics (Prometheus) and the web UI from --static-dir. With a token \
            (--token or LORAD_TOKEN), every /v1/ request needs `Authorization: Bearer TOKEN`. On the first start \
            with an empty data directory it registers the bundled demo model and dataset (unless --no-demo). Once \
            listening it prints `listening on http://HOST:PORT` on stdout.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "Port to listen on (0: any free port).")
    var port = 7878

    @Option(help: "Data directory (database, blobs, caches); created if missing.")
    var dataDir = "./data"

    @Option(help: "A folder of base models (repeatable).")
    var modelsDir: [String] = []

    @Option(help: "A folder under which datasets may be registered (repeatable).")
    var datasetRoot: [String] = []

    @Option(parsing: .unconditional, help: "Training workers running at once.")
    var workers = 1

    @Option(help: "Bearer token required on /v1/ (default: the LORAD_TOKEN environment variable).")
    var token: String?

    @Option(help: "Folder of static files served at /.")
    var staticDir = "./static"

    @Option(help: "Log lines as text, or as one JSON object per line (for log collectors): text or json.")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Flag(help: "Allow listening on a non-loopback address without a token (anyone who can reach it can use it).")
    var insecure = false

    @Option(
        parsing: .unconditional,
        help: "Seconds between a running job's resume-state saves (what a crash can lose at most).")
    var saveStateEvery = 300

    @Option(parsing: .unconditional, help: "Largest dataset upload request body, in bytes.")
    var maxUploadBytes: Int64 = DatasetLimits().maxUploadBytes

    @Option(parsing: .unconditional, help: "Most bytes a dataset archive may unpack to.")
    var maxExpandedBytes: Int64 = DatasetLimits().maxExpandedBytes

    @Option(parsing: .unconditional, help: "Most files (images and captions) in one dataset.")
    var maxDatasetFiles: Int = DatasetLimits().maxFiles

    @Option(
        help: """
            Secret (16-256 printable ASCII characters) signing the webhooks of jobs without their own \
            webhook_secret (default: the LORAD_WEBHOOK_SECRET environment variable).
            """)
    var webhookSecret: String?

    @Flag(help: "Do not register the bundled demo model and dataset on the first start, nor offer the demo job.")
    var noDemo = false

    func run() async throws {
        let configuration = try serverConfiguration(environment: ProcessInfo.processInfo.environment)
        if logFormat == .json { LoggingSystem.bootstrap(JSONLogHandler.init(label:)) }
        let logger = Logger(label: "lorad.server")
        guard saveStateEvery >= 1 else {
            throw UsageError("--save-state-every: \(saveStateEvery) is not a positive number of seconds")
        }
        try await runServer(
            configuration: configuration, devices: Array(repeating: .cpu, count: configuration.workers),
            gpus: GPUDescription.detect(),
            timing: WorkerPool.Timing(stateSaveInterval: .seconds(saveStateEvery)), logger: logger
        ) { channel in
            let port = channel.localAddress?.port ?? configuration.port
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            // Unbuffered, so that a supervisor or test reading a pipe sees it at once.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
    }

    /// The validated configuration; every bad value is a `UsageError` naming its option. `bundledDemo` is the demo
    /// folder offered unless `--no-demo`.
    func serverConfiguration(
        environment: [String: String], bundledDemo: URL? = ServerConfiguration.bundledDemoDirectory
    ) throws -> ServerConfiguration {
        let configuration = ServerConfiguration(
            host: host, port: port, dataDirectory: URL(fileURLWithPath: dataDir),
            modelsDirectories: try modelsDir.map { try existingDirectory($0, option: "--models-dir") },
            datasetRoots: try datasetRoot.map { try existingDirectory($0, option: "--dataset-root") },
            workers: workers, token: token ?? environment["LORAD_TOKEN"],
            staticDirectory: URL(fileURLWithPath: staticDir), allowsInsecureBinding: insecure,
            datasetLimits: DatasetLimits(
                maxUploadBytes: maxUploadBytes, maxExpandedBytes: maxExpandedBytes, maxFiles: maxDatasetFiles),
            webhookSecret: webhookSecret ?? environment["LORAD_WEBHOOK_SECRET"],
            demoDirectory: noDemo ? nil : bundledDemo)
        do {
            try configuration.validate()
        } catch .invalid(let field, let reason) {
            let option =
                switch field {
                case "token" where token == nil: "LORAD_TOKEN"
                case "webhook-secret" where webhookSecret == nil: "LORAD_WEBHOOK_SECRET"
                default: "--\(field)"
                }
            throw UsageError("\(option): \(reason)")
        }
        do {
            try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw UsageError("--data-dir \(dataDir): cannot create the directory: \(error.localizedDescription)")
        }
        return configuration
    }

    private func existingDirectory(_ path: String, option: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("\(option) \(path): no such directory")
        }
        return URL(fileURLWithPath: path)
    }
}

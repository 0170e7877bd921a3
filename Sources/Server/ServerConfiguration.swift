import Foundation

/// What `lorad serve` needs to start: where to listen, where its data lives, and who may call the API.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind (a host name or an IP literal).
    public var host: String
    /// The TCP port; 0 asks the system for a free one.
    public var port: Int
    /// The server's data directory (database, blobs, caches).
    public var dataDirectory: URL
    /// Folders searched for base models.
    public var modelsDirectories: [URL]
    /// Folders under which datasets may be registered.
    public var datasetRoots: [URL]
    /// How many training workers run at once.
    public var workers: Int
    /// The bearer token that `/v1/*` requires; nil leaves the API open.
    public var token: String?
    /// The folder served at `/` (the web UI).
    public var staticDirectory: URL
    /// Whether a non-loopback address may be bound without a token (`--insecure`).
    public var allowsInsecureBinding: Bool
    /// How long an event stream may stay silent before a heartbeat comment (proxies drop idle connections).
    public var eventHeartbeatInterval: Duration = .seconds(15)
    /// How much a dataset import may take in.
    public var datasetLimits: DatasetLimits
    /// Signs the webhook deliveries of jobs that bring no secret of their own; without it such jobs are refused.
    public var webhookSecret: String?
    /// The demo folder (`model/`, `dataset/`, `demo_lora.toml`) registered on the first start on an empty data
    /// directory and offered as `GET /v1/demo`; nil registers and offers nothing (`--no-demo`).
    public var demoDirectory: URL?

    /// The demo folder bundled with the server (its resources' `Demo`), when this build has one.
    public static let bundledDemoDirectory: URL? = DemoFolder.bundledURL

    /// Default values: 127.0.0.1:7878, `./data`, one worker, no token, `./static`, no webhook secret, the bundled
    /// demo.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7878,
        dataDirectory: URL = URL(fileURLWithPath: "data"),
        modelsDirectories: [URL] = [],
        datasetRoots: [URL] = [],
        workers: Int = 1,
        token: String? = nil,
        staticDirectory: URL = URL(fileURLWithPath: "static"),
        allowsInsecureBinding: Bool = false,
        datasetLimits: DatasetLimits = DatasetLimits(),
        webhookSecret: String? = nil,
        demoDirectory: URL? = ServerConfiguration.bundledDemoDirectory
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.modelsDirectories = modelsDirectories
        self.datasetRoots = datasetRoots
        self.workers = workers
        self.token = token
        self.staticDirectory = staticDirectory
        self.allowsInsecureBinding = allowsInsecureBinding
        self.datasetLimits = datasetLimits
        self.webhookSecret = webhookSecret
        self.demoDirectory = demoDirectory
    }

    /// Whether `host` reaches only this machine.
    public var isLoopback: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Checks the values that need no file system: the host, the port range, the worker count, the token, the
    /// dataset limits and the webhook secret.
    public func validate() throws(ServerConfigurationError) {
        if host.isEmpty || host.contains(where: \.isWhitespace) {
            throw .invalid(field: "host", reason: "'\(host)' is not a host name or address")
        }
        guard (0...65535).contains(port) else {
            throw .invalid(field: "port", reason: "\(port) is outside 0...65535")
        }
        guard workers >= 1 else {
            throw .invalid(field: "workers", reason: "\(workers) is not a positive number of workers")
        }
        if token == nil && !isLoopback && !allowsInsecureBinding {
            throw .invalid(
                field: "host",
                reason: "\(host) is reachable from other machines: set a token (--token or LORAD_TOKEN), "
                    + "or pass --insecure")
        }
        guard datasetLimits.maxUploadBytes > 0 else {
            throw .invalid(field: "max-upload-bytes", reason: "\(datasetLimits.maxUploadBytes) is not a positive size")
        }
        guard datasetLimits.maxExpandedBytes > 0 else {
            throw .invalid(
                field: "max-expanded-bytes", reason: "\(datasetLimits.maxExpandedBytes) is not a positive size")
        }
        guard datasetLimits.maxFiles > 0 else {
            throw .invalid(field: "max-dataset-files", reason: "\(datasetLimits.maxFiles) is not a positive count")
        }
        if let token {
            // A token with spaces or control characters cannot travel in an `Authorization: Bearer` header.
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw .invalid(field: "token", reason: "a token must be non-empty printable ASCII without spaces")
            }
        }
        if let webhookSecret, let problem = JobWebhook.secretProblem(webhookSecret) {
            throw .invalid(field: "webhook-secret", reason: "a webhook secret \(problem)")
        }
    }
}

/// A `ServerConfiguration` value that cannot be used, naming the field and the reason.
public enum ServerConfigurationError: Error, CustomStringConvertible, Equatable {
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "\(field): \(reason)"
        }
    }
}

import Foundation
import Testing

@testable import Server

@Suite struct ServerConfigurationTests {
    @Test func defaults() throws {
        let configuration = ServerConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 7878)
        #expect(configuration.dataDirectory.lastPathComponent == "data")
        #expect(configuration.workers == 1)
        #expect(configuration.token == nil)
        #expect(configuration.datasetLimits.maxUploadBytes == 4 << 30)
        #expect(configuration.datasetLimits.maxExpandedBytes == 8 << 30)
        #expect(configuration.datasetLimits.maxFiles == 20_000)
        #expect(configuration.webhookSecret == nil)
        try configuration.validate()
    }

    @Test func acceptsAWebhookSecretOfPrintableASCII() throws {
        try ServerConfiguration(webhookSecret: "sixteen chars ok").validate()
        try ServerConfiguration(webhookSecret: String(repeating: "~", count: 256)).validate()
    }

    @Test(arguments: [
        (ServerConfiguration(port: 65536), "port"),
        (ServerConfiguration(port: -1), "port"),
        (ServerConfiguration(host: ""), "host"),
        (ServerConfiguration(host: "local host"), "host"),
        (ServerConfiguration(workers: 0), "workers"),
        (ServerConfiguration(token: ""), "token"),
        (ServerConfiguration(token: "has space"), "token"),
        (ServerConfiguration(token: "tab\t"), "token"),
        (ServerConfiguration(datasetLimits: DatasetLimits(maxUploadBytes: 0)), "max-upload-bytes"),
        (ServerConfiguration(datasetLimits: DatasetLimits(maxExpandedBytes: -1)), "max-expanded-bytes"),
        (ServerConfiguration(datasetLimits: DatasetLimits(maxFiles: 0)), "max-dataset-files"),
        (ServerConfiguration(webhookSecret: "too short"), "webhook-secret"),
        (ServerConfiguration(webhookSecret: String(repeating: "s", count: 257)), "webhook-secret"),
        (ServerConfiguration(webhookSecret: "sixteen-chars-ok\u{7}"), "webhook-secret"),
    ])
    func rejectsBadValues(configuration: ServerConfiguration, field: String) {
        #expect {
            try configuration.validate()
        } throws: { error in
            guard case .invalid(let rejected, _) = error as? ServerConfigurationError else { return false }
            return rejected == field
        }
    }
}

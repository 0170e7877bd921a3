import Foundation
import GRDB
import Testing

@testable import Server
@testable import Store

/// The webhook fields of a job submission, and which events the outbox queues.
@Suite struct JobWebhookTests {
    static let secret = "0123456789abcdef"

    @Test func aWellFormedWebhookHasNoProblems() {
        for url in ["https://example.com/hooks/lorad?x=1", "http://127.0.0.1:8080/h", "HTTPS://[::1]/h"] {
            #expect(JobWebhook.validate(url: url, events: nil, secret: Self.secret, serverSecret: nil) == [], "\(url)")
        }
        #expect(
            JobWebhook.validate(
                url: "https://example.com", events: ["state", "progress", "error", "sample", "checkpoint"],
                secret: nil, serverSecret: "a server secret!") == [])
        #expect(JobWebhook.validate(url: nil, events: nil, secret: nil, serverSecret: nil) == [])
    }

    @Test(arguments: [
        ("ftp://example.com/h", "must be an http or https URL"),
        ("file:///etc/passwd", "must be an http or https URL"),
        ("example.com/h", "is not a URL"),
        ("not a url", "is not a URL"),
        ("https:///path", "has no host"),
        ("https://user:pass@example.com/h", "must not hold credentials"),
        ("https://user@example.com/h", "must not hold credentials"),
        ("https://example.com:0/h", "has a port outside 1...65535"),
        ("https://example.com/" + String(repeating: "a", count: 2000), "is longer than 2000 characters"),
    ])
    func aBadURLIsNamed(url: String, reason: String) throws {
        let errors = JobWebhook.validate(url: url, events: nil, secret: Self.secret, serverSecret: nil)
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.field == "webhook_url")
        #expect(error.message.contains(reason), "\(error.message)")
    }

    @Test func unknownAndEmptyEventListsAreRefused() throws {
        let unknown = JobWebhook.validate(
            url: "https://example.com", events: ["state", "finished"], secret: Self.secret, serverSecret: nil)
        #expect(unknown.map(\.field) == ["webhook_events"])
        #expect(unknown.first?.message.contains("'finished'") == true)
        let many = JobWebhook.validate(
            url: "https://example.com", events: Array(repeating: String(repeating: "x", count: 1000), count: 1000),
            secret: Self.secret, serverSecret: nil)
        #expect(many.map(\.field) == ["webhook_events"])
        #expect((many.first?.message.count ?? .max) < 500)
        #expect(many.first?.message.contains("and 995 more") == true)
        let empty = JobWebhook.validate(url: "https://example.com", events: [], secret: Self.secret, serverSecret: nil)
        #expect(empty.map(\.field) == ["webhook_events"])
    }

    @Test(arguments: [
        ("fifteen chars!!", "16 to 256"),
        (String(repeating: "x", count: 257), "16 to 256"),
        ("sixteen chars \u{1}\u{2}", "printable ASCII"),
        ("sixteen chars ü..", "printable ASCII"),
    ])
    func aBadSecretIsNamed(secret: String, reason: String) throws {
        let errors = JobWebhook.validate(
            url: "https://example.com", events: nil, secret: secret, serverSecret: "a server secret!")
        #expect(errors.map(\.field) == ["webhook_secret"])
        #expect(errors.first?.message.contains(reason) == true, "\(errors)")
    }

    @Test func withoutASecretOfItsOwnAJobNeedsTheServers() {
        let errors = JobWebhook.validate(url: "https://example.com", events: nil, secret: nil, serverSecret: nil)
        #expect(errors.map(\.field) == ["webhook_secret"])
        #expect(errors.first?.message.contains("--webhook-secret") == true)
    }

    @Test func eventsOrASecretWithoutAURLAreRefused() {
        let errors = JobWebhook.validate(url: nil, events: ["state"], secret: Self.secret, serverSecret: nil)
        #expect(errors.map(\.field) == ["webhook_events", "webhook_secret"])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let errors = JobWebhook.validate(url: "gopher://x", events: ["nope"], secret: "short", serverSecret: nil)
        #expect(errors.map(\.field) == ["webhook_url", "webhook_events", "webhook_secret"])
    }

    @Test func theOutboxQueuesOnlyTheEventTypesTheWebhookNames() throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let checkpointsOnly = try fixture.addJob(url: "https://example.com/h", events: ["checkpoint", "checkpoint"])
        let byDefault = try fixture.addJob(url: "https://example.com/h")
        let withoutWebhook = try fixture.addJob(url: nil)
        for job in [checkpointsOnly, byDefault, withoutWebhook] {
            for type in ["state", "progress", "checkpoint", "sample", "log"] {
                try fixture.append(jobID: job, type: type, data: "{}")
            }
        }
        // The events are numbered 1...5 in the order above.
        #expect(try fixture.deliveries(of: checkpointsOnly).map(\.eventSeq) == [3])
        #expect(try fixture.deliveries(of: byDefault).map(\.eventSeq) == [1, 3])
        #expect(try fixture.deliveries(of: withoutWebhook).isEmpty)
        let stored = try fixture.database.writer.read { db in
            try JobWebhookRecord.fetchOne(db, key: checkpointsOnly)
        }
        #expect(stored?.events == #"["checkpoint"]"#)
        #expect(stored?.secret == nil)
        #expect(try fixture.deliveries(of: byDefault).allSatisfy { $0.isPending && $0.attempts == 0 })
    }

    @Test func deletingAJobDeletesItsWebhookAndDeliveries() throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let job = try fixture.addJob(url: "https://example.com/h", secret: Self.secret)
        try fixture.append(jobID: job, type: "state", data: #"{"state":"queued"}"#)
        #expect(try fixture.deliveries(of: job).count == 1)
        let remaining = try fixture.database.writer.write { db in
            _ = try Job.deleteOne(db, key: job)
            return try Int.fetchOne(
                db, sql: "SELECT (SELECT count(*) FROM job_webhooks) + (SELECT count(*) FROM webhook_deliveries)")
        }
        #expect(remaining == 0)
    }
}

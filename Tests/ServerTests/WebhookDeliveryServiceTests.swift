import Crypto
import Foundation
import Hummingbird
import Testing

@testable import Server
@testable import Store

/// The delivery service against a live local receiver.
@Suite struct WebhookDeliveryServiceTests {
    static let jobSecret = "the job's own secret"
    static let serverSecret = "the server's secret, 16+"
    /// Short waits, so that retries happen within the test.
    static let quickRetries = WebhookRetrySchedule(
        firstDelay: .milliseconds(50), maximumDelay: .milliseconds(200), maximumAttempts: 10)

    func service(
        _ fixture: WebhookFixture, schedule: WebhookRetrySchedule = quickRetries, timeout: Duration = .seconds(10)
    ) -> WebhookDeliveryService {
        // A long poll, so that a delivery made quickly shows the service was woken by the new row.
        WebhookDeliveryService(
            database: fixture.database, serverSecret: Self.serverSecret, schedule: schedule, timeout: timeout,
            pollInterval: .seconds(60))
    }

    /// The signature computed here from the documented recipe, independently of the service's code.
    static func expectedSignature(secret: String, timestamp: String, body: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data((timestamp + ".").utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    @Test func aDeliveryIsSignedAndCarriesTheEventAndItsHeaders() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [])
        try await receiver.serve { url in
            let ownSecretJob = try fixture.addJob(url: url.absoluteString, secret: Self.jobSecret)
            let serverSecretJob = try fixture.addJob(url: url.absoluteString)
            try await whileRunning(service(fixture)) {
                try await Task.sleep(for: .milliseconds(100))  // the service now waits for its next poll or a wake
                let event = try fixture.append(
                    jobID: ownSecretJob, type: "checkpoint", data: #"{"name":"a.safetensors","step":10,"loss":0.1}"#)
                try fixture.append(jobID: serverSecretJob, type: "state", data: #"{"state":"training"}"#)
                try await fixture.waitUntil("both are delivered") {
                    try (fixture.deliveries(of: ownSecretJob) + fixture.deliveries(of: serverSecretJob))
                        .allSatisfy { $0.deliveredAt != nil }
                }

                let received = await receiver.received
                try #require(received.count == 2)
                let first = try #require(received.first { $0.header("X-Lorad-Event") == "checkpoint" })
                let delivery = try #require(try fixture.deliveries(of: ownSecretJob).first)
                #expect(first.header("Content-Type") == "application/json")
                #expect(first.header("X-Lorad-Delivery") == delivery.id)
                let timestamp = try #require(first.header("X-Lorad-Timestamp"))
                let seconds = try #require(Int64(timestamp))
                #expect(abs(seconds - Int64(Date().timeIntervalSince1970)) < 60)
                #expect(
                    first.header("X-Lorad-Signature")
                        == Self.expectedSignature(secret: Self.jobSecret, timestamp: timestamp, body: first.body))
                #expect(delivery.attempts == 1)

                let body = try #require(try JSONSerialization.jsonObject(with: first.body) as? [String: Any])
                #expect(body["job_id"] as? String == ownSecretJob)
                #expect(body["seq"] as? Int == 1)
                #expect(body["type"] as? String == "checkpoint")
                let data = try #require(body["data"] as? [String: Any])
                #expect(data["name"] as? String == "a.safetensors")
                #expect(data["step"] as? Int == 10)
                // The event's data is passed on as stored, its numbers untouched.
                #expect(String(decoding: first.body, as: UTF8.self).contains(#""loss":0.1}"#))
                let created = try #require(body["created_at"] as? String)
                let parser = ISO8601DateFormatter()
                parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                let date = try #require(parser.date(from: created), "\(created)")
                #expect(Int64((date.timeIntervalSince1970 * 1000).rounded()) == event.createdAt)
                #expect(created.count == "2026-11-23T12:00:00.000Z".count && created.hasSuffix("Z"))

                let second = try #require(received.first { $0.header("X-Lorad-Event") == "state" })
                let secondTimestamp = try #require(second.header("X-Lorad-Timestamp"))
                #expect(
                    second.header("X-Lorad-Signature")
                        == Self.expectedSignature(
                            secret: Self.serverSecret, timestamp: secondTimestamp, body: second.body))
            }
        }
    }

    @Test func aFailingReceiverIsRetriedAndTheJobsEventsStayInOrder() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [.internalServerError, .internalServerError])
        try await receiver.serve { url in
            let job = try fixture.addJob(url: url.absoluteString, events: ["state", "progress"])
            try fixture.append(jobID: job, type: "state", data: #"{"state":"preparing"}"#)
            try fixture.append(jobID: job, type: "progress", data: #"{"step":1}"#)
            try await whileRunning(service(fixture)) {
                try await fixture.waitUntil("both are delivered") {
                    try fixture.deliveries(of: job).allSatisfy { $0.deliveredAt != nil }
                }
            }
            let deliveries = try fixture.deliveries(of: job)
            #expect(deliveries.map(\.attempts) == [3, 1])
            #expect(deliveries.map(\.lastError) == [nil, nil])
            // The second event waited for the first: three attempts of event 1, then event 2.
            let events = await receiver.received.map { $0.header("X-Lorad-Event") }
            #expect(events == ["state", "state", "state", "progress"])
        }
    }

    @Test func aDeliveryIsAbandonedAfterTheLastAttemptAndTheNextOneGoes() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [.badGateway, .notFound])
        try await receiver.serve { url in
            let job = try fixture.addJob(url: url.absoluteString)
            try fixture.append(jobID: job, type: "state", data: #"{"state":"training"}"#)
            try fixture.append(jobID: job, type: "state", data: #"{"state":"succeeded"}"#)
            let twoAttempts = WebhookRetrySchedule(
                firstDelay: .milliseconds(20), maximumDelay: .milliseconds(20), maximumAttempts: 2)
            try await whileRunning(service(fixture, schedule: twoAttempts)) {
                try await fixture.waitUntil("the second is delivered") {
                    try fixture.deliveries(of: job).last?.deliveredAt != nil
                }
            }
            let first = try #require(try fixture.deliveries(of: job).first)
            #expect(first.attempts == 2)
            #expect(first.abandonedAt != nil)
            #expect(first.deliveredAt == nil)
            #expect(first.lastError == "the receiver answered HTTP 404")
        }
    }

    @Test func aRedirectIsAFailedAttemptNotFollowed() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [.temporaryRedirect])
        try await receiver.serve { url in
            let job = try fixture.addJob(url: url.absoluteString)
            try fixture.append(jobID: job, type: "state", data: #"{"state":"training"}"#)
            let slowRetry = WebhookRetrySchedule(
                firstDelay: .seconds(60), maximumDelay: .seconds(60), maximumAttempts: 10)
            try await whileRunning(service(fixture, schedule: slowRetry)) {
                try await fixture.waitUntil("the attempt is recorded") {
                    try fixture.deliveries(of: job).first?.attempts == 1
                }
            }
            let delivery = try #require(try fixture.deliveries(of: job).first)
            #expect(delivery.deliveredAt == nil)
            #expect(delivery.lastError == "the receiver answered HTTP 307")
            #expect(await receiver.received.count == 1)
        }
    }

    @Test func anAttemptTakingLongerThanTheTimeoutFails() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [])
        try await receiver.serve(delay: .seconds(3)) { url in
            let job = try fixture.addJob(url: url.absoluteString)
            try fixture.append(jobID: job, type: "state", data: #"{"state":"training"}"#)
            let started = ContinuousClock.now
            let oneAttempt = WebhookRetrySchedule(
                firstDelay: .seconds(60), maximumDelay: .seconds(60), maximumAttempts: 1)
            try await whileRunning(service(fixture, schedule: oneAttempt, timeout: .milliseconds(500))) {
                try await fixture.waitUntil("the attempt is recorded") {
                    try fixture.deliveries(of: job).first?.attempts == 1
                }
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            let delivery = try #require(try fixture.deliveries(of: job).first)
            #expect(delivery.deliveredAt == nil)
            #expect(delivery.abandonedAt != nil)
            #expect(delivery.lastError?.contains("timed out") == true, "\(delivery.lastError ?? "")")
        }
    }

    @Test func aConnectionErrorIsRecordedForARetry() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        // Port 1 on the loopback: nothing listens there, so the connection is refused.
        let job = try fixture.addJob(url: "http://127.0.0.1:1/hook")
        try fixture.append(jobID: job, type: "state", data: #"{"state":"training"}"#)
        let before = UnixMilliseconds.now()
        let slowRetry = WebhookRetrySchedule(firstDelay: .seconds(60), maximumDelay: .seconds(60), maximumAttempts: 10)
        try await whileRunning(service(fixture, schedule: slowRetry)) {
            try await fixture.waitUntil("the attempt is recorded") {
                try fixture.deliveries(of: job).first?.attempts == 1
            }
        }
        let delivery = try #require(try fixture.deliveries(of: job).first)
        #expect(delivery.isPending)
        #expect(delivery.lastError != nil)
        #expect(delivery.nextAttemptAt >= before + 60_000)
    }

    @Test func aDeliveryPendingAtShutdownIsSentByTheNextService() async throws {
        let fixture = try WebhookFixture()
        defer { fixture.remove() }
        let receiver = WebhookReceiver(answers: [.serviceUnavailable])
        try await receiver.serve { url in
            let job = try fixture.addJob(url: url.absoluteString)
            try fixture.append(jobID: job, type: "state", data: #"{"state":"canceled"}"#)
            // The first attempt fails; the retry is due only after the service has stopped.
            let retryLater = WebhookRetrySchedule(
                firstDelay: .seconds(3), maximumDelay: .seconds(3), maximumAttempts: 10)
            try await whileRunning(service(fixture, schedule: retryLater)) {
                try await fixture.waitUntil("the first attempt is recorded") {
                    try fixture.deliveries(of: job).first?.attempts == 1
                }
            }
            #expect(try fixture.deliveries(of: job).first?.isPending == true)

            // A restart: the database opened again from its directory, and a new service.
            let reopened = WebhookDeliveryService(
                database: try StoreDatabase(dataDirectory: fixture.dataDirectory), serverSecret: Self.serverSecret,
                schedule: retryLater, pollInterval: .seconds(60))
            try await whileRunning(reopened) {
                try await fixture.waitUntil("it is delivered") {
                    try fixture.deliveries(of: job).first?.deliveredAt != nil
                }
            }
            #expect(try fixture.deliveries(of: job).first?.attempts == 2)
            #expect(await receiver.received.count == 2)
        }
    }
}

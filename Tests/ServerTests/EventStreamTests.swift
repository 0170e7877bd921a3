import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Store
import Testing

@testable import Server

@Suite(.serialized) struct EventStreamTests {
    /// A stream opened while the job is queued waits for its events as they happen, with heartbeats while it is
    /// idle, and ends after the final state.
    @Test func aJobsStreamFollowsItLiveAndEndsWithItsFinalState() async throws {
        let server = try TestServer(heartbeat: .milliseconds(100))
        try await server.application.test(.router) { client in
            let created = try await client.post(
                "/v1/jobs",
                json: server.jobBody(steps: 3, extra: ["sample_prompts": [String](), "sample_every_n_steps": 0]))
            let id = try #require(try jsonObject(created)["id"] as? String)
            async let streamed = client.execute(uri: "/v1/jobs/\(id)/events", method: .get)
            // The stream is open and idle before any worker runs: it can only see what follows live.
            try await Task.sleep(for: .milliseconds(500))
            let pool = server.workers()
            let group = ServiceGroup(services: [pool], logger: Logger(label: "test"))
            async let running: Void = group.run()
            let response = try await streamed
            await group.triggerGracefulShutdown()
            try await running

            let text = String(buffer: response.body)
            #expect(text.hasPrefix("id: 1\nevent: state\ndata: {\"state\":\"queued\"}\n\n: heartbeat\n\n"))
            #expect(text.contains("event: progress"))
            #expect(text.hasSuffix("event: state\ndata: {\"state\":\"succeeded\"}\n\n"))
            let stored = try await server.services.database.writer.read { db in try JobEvent.after(0, jobID: id, db) }
            let sent = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int64($0.dropFirst(4)) }
            #expect(sent == stored.map(\.seq))
        }
    }

    @Test func aBadLastEventIDIsRefused() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let id = try #require(
                try jsonObject(try await client.post("/v1/jobs", json: server.jobBody()))["id"] as? String)
            for bad in ["-1", "x", "1.5"] {
                let response = try await client.execute(
                    uri: "/v1/jobs/\(id)/events", method: .get, headers: [HTTPField.Name("Last-Event-ID")!: bad])
                #expect(response.status == .unprocessableContent, "\(bad)")
            }
        }
    }

    /// `/v1/events` sends each job's new state and its deletion; closing the hub (a shutdown) ends it.
    @Test func theJobListStreamSendsChangesUntilShutdown() async throws {
        let server = try TestServer(heartbeat: .seconds(60))
        try await server.application.test(.router) { client in
            async let streamed = client.execute(uri: "/v1/events", method: .get)
            try await Task.sleep(for: .milliseconds(300))
            let id = try #require(
                try jsonObject(try await client.post("/v1/jobs", json: server.jobBody()))["id"] as? String)
            _ = try await client.execute(uri: "/v1/jobs/\(id)/cancel", method: .post)
            _ = try await client.execute(uri: "/v1/jobs/\(id)", method: .delete)
            try await Task.sleep(for: .milliseconds(300))
            server.services.changes.close()
            let text = String(buffer: try await streamed.body)
            let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 3, "\(text)")
            #expect(events.first?.hasPrefix("event: job\ndata: {") == true)
            #expect(events.first?.contains("\"state\":\"queued\"") == true)
            #expect(events.dropFirst().first?.contains("\"state\":\"canceled\"") == true)
            #expect(events.last == "event: deleted\ndata: {\"id\":\"\(id)\"}")
        }
    }
}

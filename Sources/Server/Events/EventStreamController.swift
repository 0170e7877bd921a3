import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Store

/// The server-sent event streams: `GET /v1/jobs/{id}/events` (a job's events, replayed from the database after
/// `Last-Event-ID`) and `GET /v1/events` (job-list changes). Both send a heartbeat comment when idle and end when the
/// hub closes (a shutdown), so that clients reconnect to the next server.
struct EventStreamController: Sendable {
    let services: ServerServices

    /// Events read from the database per query; a client far behind catches up in several.
    static let batchSize = 500

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/jobs/:id/events", use: jobEvents)
        router.get("v1/events", use: listEvents)
    }

    static let streamHeaders: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
        // nginx buffers responses unless told not to.
        HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    @Sendable func jobEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let lastSeen = try Self.lastEventID(request)
        _ = try await services.database.writer.read { db in try JobsController.job(id, db) }
        // Subscribed before the first read, so that no change between the read and the wait is missed.
        let wakes = WakeStream(changes: services.changes, heartbeat: services.configuration.eventHeartbeatInterval) {
            $0.jobID == id
        }
        let database = services.database
        return Response(
            status: .ok, headers: Self.streamHeaders,
            body: ResponseBody { writer in
                var last = lastSeen
                var iterator = wakes.makeAsyncIterator()
                while true {
                    let after = last
                    let (events, job) = try await database.writer.read { db in
                        (try JobEvent.after(after, jobID: id, limit: Self.batchSize, db), try Job.fetchOne(db, key: id))
                    }
                    if !events.isEmpty {
                        let text = events.map {
                            ServerSentEvent(id: String($0.seq), event: $0.type, data: $0.data).text
                        }.joined()
                        try await writer.write(ByteBuffer(string: text))
                        last = events.last!.seq
                        if events.count == Self.batchSize { continue }
                    }
                    // Everything up to the job's final state is sent (the read saw its events and row together).
                    guard let job, !job.state.isFinal else { break }
                    guard let wake = await iterator.next() else { break }
                    if wake == .heartbeat { try await writer.write(ByteBuffer(string: ServerSentEvent.heartbeat)) }
                    if case .change(.grid(_, let gridID)) = wake {
                        try await writer.write(
                            ByteBuffer(string: try await GridEvent.text(gridID: gridID, jobID: id, database)))
                    }
                }
                try await writer.finish(nil)
            })
    }

    @Sendable func listEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        let database = services.database
        let wakes = WakeStream(changes: services.changes, heartbeat: services.configuration.eventHeartbeatInterval)
        return Response(
            status: .ok, headers: Self.streamHeaders,
            body: ResponseBody { writer in
                for await wake in wakes {
                    let text: String
                    switch wake {
                    case .heartbeat:
                        text = ServerSentEvent.heartbeat
                    case .change(.deleted(let id)):
                        text = ServerSentEvent(event: "deleted", data: #"{"id":"\#(id)"}"#).text
                    case .change(.job(let id)):
                        let resource = try await database.writer.read { db in
                            try Job.fetchOne(db, key: id).map { try JobResource($0, includingConfig: false, db) }
                        }
                        guard let resource else { continue }
                        let data = String(decoding: try JSONResponse.encode(resource), as: UTF8.self)
                        text = ServerSentEvent(event: "job", data: data).text
                    case .change(.grid(let jobID, let gridID)):
                        text = try await GridEvent.text(gridID: gridID, jobID: jobID, database)
                    }
                    try await writer.write(ByteBuffer(string: text))
                }
                try await writer.finish(nil)
            })
    }

    /// `Last-Event-ID` (a reconnecting EventSource sends it) or `?after=`; 0 for the whole history.
    static func lastEventID(_ request: Request) throws -> Int64 {
        let text =
            request.headers[values: HTTPField.Name("Last-Event-ID")!].first
            ?? request.uri.queryParameters["after"].map(String.init)
        guard let text else { return 0 }
        guard let value = Int64(text), value >= 0 else {
            throw ProblemError.validation([
                .init(field: "Last-Event-ID", message: "\"\(text)\" is not an event id (a number ≥ 0)")
            ])
        }
        return value
    }
}

import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Store
import Training

/// `/v1/jobs`: submit, list, read, cancel, retry and delete jobs, and ask a running one for a sample or checkpoint.
struct JobsController: Sendable {
    let services: ServerServices

    static let maxBodyBytes = 1 << 20
    static let maxIdempotencyKeyLength = 200

    func addRoutes(to router: Router<some RequestContext>) {
        let jobs = router.group("v1/jobs")
        jobs.post(use: create)
        jobs.get(use: list)
        jobs.get(":id", use: get)
        jobs.delete(":id", use: delete)
        jobs.post(":id/cancel", use: cancel)
        jobs.post(":id/retry", use: retry)
        jobs.post(":id/sample") { request, context in try await requestOutput(.sample, request, context) }
        jobs.post(":id/save") { request, context in try await requestOutput(.save, request, context) }
    }

    @Sendable func create(_ request: Request, context: some RequestContext) async throws -> Response {
        let object = try await JSONBody.object(request, context: context, maxBytes: Self.maxBodyBytes)
        return try await submit(object, idempotencyKey: try Self.idempotencyKey(of: request))
    }

    /// The request's `Idempotency-Key`, checked; nil without one.
    static func idempotencyKey(of request: Request) throws -> String? {
        let key = request.headers[values: HTTPField.Name("Idempotency-Key")!].first
        if let key, key.isEmpty || key.count > maxIdempotencyKeyLength {
            throw ProblemError(
                .badRequest, title: "Bad Idempotency-Key",
                detail: "Idempotency-Key must have 1 to \(maxIdempotencyKeyLength) characters")
        }
        return key
    }

    /// Queues the job that `object` (a `POST /v1/jobs` body) describes: 201 with the job, or 200 with the job first
    /// submitted under `idempotencyKey`.
    func submit(_ object: [String: ConfigValue], idempotencyKey key: String?) async throws -> Response {
        // Stands in for the paths a worker chooses at run time while the options are checked; never created.
        let scratch = services.workFolder(ofJob: "validation")
        let (resource, isNew): (JobResource, Bool) = try await services.database.writer.write { db in
            let submission = try JobSubmission.check(
                object, idempotencyKey: key, scratchFolder: scratch,
                serverWebhookSecret: services.configuration.webhookSecret, db)
            let enqueued: Job.Enqueued
            do {
                enqueued = try Job.enqueue(
                    NewJob(
                        config: try JobOptions.encode(submission.options), modelID: submission.modelID,
                        datasetID: submission.datasetID, priority: submission.priority, idempotencyKey: key), db)
            } catch StoreError.idempotencyKeyReused(let key) {
                throw ProblemError(
                    .conflict, title: "Idempotency-Key reused",
                    detail: "Idempotency-Key \"\(key)\" was used for a different job")
            }
            if enqueued.isNew {
                if let webhook = submission.webhook {
                    try JobWebhook.register(
                        jobID: enqueued.job.id, url: webhook.url, events: webhook.events, secret: webhook.secret, db)
                }
                try JobEventLog.append(enqueued.job.id, .state(JobStateEvent(state: .queued)), db)
                for notice in submission.notices {
                    try JobEventLog.append(enqueued.job.id, .log(level: .notice, message: notice.description), db)
                }
            }
            return (try JobResource(enqueued.job, includingConfig: true, db), enqueued.isNew)
        }
        if isNew { services.changes.publish(.job(id: resource.id)) }
        var response = try JSONResponse.make(resource, status: isNew ? .created : .ok)
        response.headers[.location] = "/v1/jobs/\(resource.id)"
        return response
    }

    @Sendable func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = try JobListQuery(request.uri.queryParameters)
        let page = try await services.database.writer.read { db in try query.page(db) }
        return try JSONResponse.make(page)
    }

    @Sendable func get(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let resource = try await services.database.writer.read { db in
            try JobResource(try Self.job(id, db), includingConfig: true, db)
        }
        return try JSONResponse.make(resource)
    }

    @Sendable func delete(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        try await services.database.writer.write { db in
            let job = try Self.job(id, db)
            guard job.state != .preparing && job.state != .training else {
                throw ProblemError(
                    .conflict,
                    detail: "job \(id) is \(job.state.rawValue): cancel it first (POST /v1/jobs/\(id)/cancel)")
            }
            _ = try Job.deleteOne(db, key: id)
        }
        services.changes.publish(.deleted(id: id))
        return Response(status: .noContent)
    }

    @Sendable func cancel(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let resource = try await services.database.writer.write { db in
            let job = try Self.job(id, db)
            guard
                let canceled = try Job.transition(id, from: [.queued, .preparing, .training], to: .canceled, db)
            else {
                throw ProblemError(.conflict, detail: "job \(id) is \(job.state.rawValue) already")
            }
            try JobEventLog.append(id, .state(JobStateEvent(state: .canceled)), db)
            return try JobResource(canceled, includingConfig: true, db)
        }
        // The row says canceled already; the trainer stops within one step and its worker writes nothing more.
        services.running.control(of: id)?.requestCancel()
        services.changes.publish(.job(id: id))
        return try JSONResponse.make(resource)
    }

    @Sendable func retry(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let resource = try await services.database.writer.write { db in
            let job = try Self.job(id, db)
            guard let queued = try Job.transition(id, from: [.failed, .canceled], to: .queued, db) else {
                throw ProblemError(
                    .conflict, detail: "job \(id) is \(job.state.rawValue): only failed or canceled jobs are retried")
            }
            try JobEventLog.append(id, .state(JobStateEvent(state: .queued)), db)
            return try JobResource(queued, includingConfig: true, db)
        }
        services.changes.publish(.job(id: id))
        return try JSONResponse.make(resource)
    }

    enum OutputRequest: String, Codable { case sample, save }

    func requestOutput(_ kind: OutputRequest, _ request: Request, _ context: some RequestContext) async throws
        -> Response
    {
        let id = try context.parameters.require("id")
        let job = try await services.database.writer.read { db in try Self.job(id, db) }
        guard job.state == .training, let control = services.running.control(of: id) else {
            throw ProblemError(
                .conflict, detail: "job \(id) is \(job.state.rawValue): only a training job can \(kind.rawValue) now")
        }
        if kind == .sample {
            let prompts = try JobOptions.decode(job.config)["sample_prompts"]
            guard let prompts, prompts != .null, prompts != .array([]) else {
                throw ProblemError(.conflict, detail: "job \(id) has no sample_prompts to render")
            }
        }
        switch kind {
        case .sample: control.requestSample()
        case .save: control.requestCheckpoint()
        }
        return try JSONResponse.make(["requested": kind], status: .accepted)
    }

    /// The job `id`, or a 404.
    static func job(_ id: String, _ db: Database) throws -> Job {
        guard let job = try Job.fetchOne(db, key: id) else {
            throw ProblemError(.notFound, detail: "no job has the id \"\(id)\"")
        }
        return job
    }
}

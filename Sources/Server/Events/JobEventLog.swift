import Foundation
import GRDB
import Store
import Training

/// The events of a job as the API streams them (`GET /v1/jobs/{id}/events`), each stored in `job_events` by
/// `JobEventLog.append` in the transaction that makes the change it reports.
enum JobEventPayload: Sendable {
    case state(JobStateEvent)
    case phase(JobPhaseEvent)
    case progress(JobProgress)
    case validation(step: Int, loss: Float)
    case sample(JobSampleEvent)
    case checkpoint(JobCheckpointEvent)
    case log(level: TrainingLogLevel, message: String)
    case error(message: String)

    /// The SSE event name.
    var type: String {
        switch self {
        case .state: "state"
        case .phase: "phase"
        case .progress: "progress"
        case .validation: "validation"
        case .sample: "sample"
        case .checkpoint: "checkpoint"
        case .log: "log"
        case .error: "error"
        }
    }

    func json() throws -> Data {
        switch self {
        case .state(let event): try JSONResponse.encode(event)
        case .phase(let event): try JSONResponse.encode(event)
        case .progress(let progress): try JSONResponse.encode(progress)
        case .validation(let step, let loss): try JSONResponse.encode(ValidationEvent(step: step, loss: loss))
        case .sample(let event): try JSONResponse.encode(event)
        case .checkpoint(let event): try JSONResponse.encode(event)
        case .log(let level, let message): try JSONResponse.encode(LogEvent(level: level, message: message))
        case .error(let message): try JSONResponse.encode(["message": message])
        }
    }

    private struct ValidationEvent: Encodable {
        var step: Int
        var loss: Float
    }

    private struct LogEvent: Encodable {
        var level: TrainingLogLevel
        var message: String
    }
}

struct JobStateEvent: Codable, Sendable, Equatable {
    var state: JobState
    var error: String?
}

/// What a job does before its first step.
struct JobPhaseEvent: Codable, Sendable, Equatable {
    enum Phase: String, Codable, Sendable {
        case loadingModel = "loading_model"
        case cachingLatents = "caching_latents"
    }
    var phase: Phase
    var done: Int?
    var total: Int?
}

struct JobSampleEvent: Codable, Sendable, Equatable {
    var step: Int
    var epoch: Int
    var promptIndex: Int
    var prompt: String
    var url: String

    enum CodingKeys: String, CodingKey {
        case step, epoch, prompt, url
        case promptIndex = "prompt_index"
    }

    init(_ sample: Sample) {
        step = sample.step
        epoch = sample.epoch
        promptIndex = sample.promptIndex
        prompt = sample.prompt
        url = "/v1/jobs/\(sample.jobID)/samples/\(sample.step)/\(sample.promptIndex).png"
    }
}

struct JobCheckpointEvent: Codable, Sendable, Equatable {
    var name: String
    var step: Int
    var epoch: Int
    var isFinal: Bool
    var size: Int64
    var sha256: String
    var url: String

    enum CodingKeys: String, CodingKey {
        case name, step, epoch, size, sha256, url
        case isFinal = "is_final"
    }

    init(_ checkpoint: Checkpoint, size: Int64) {
        name = checkpoint.name
        step = checkpoint.step
        epoch = checkpoint.epoch
        isFinal = checkpoint.isFinal
        self.size = size
        sha256 = checkpoint.blobSHA256
        url = "/v1/jobs/\(checkpoint.jobID)/checkpoints/\(checkpoint.name)"
    }
}

enum JobEventLog {
    /// Stores `payload` as the next event of job `jobID`, with its webhook delivery when the job's webhook wants it.
    /// Call it inside the transaction that makes the change, and publish the change to the hub once it commits.
    @discardableResult
    static func append(_ jobID: String, _ payload: JobEventPayload, _ db: Database) throws -> JobEvent {
        let event = try JobEvent.append(
            jobID: jobID, type: payload.type, data: String(decoding: try payload.json(), as: UTF8.self), db)
        try WebhookOutbox.enqueue(event, db)
        return event
    }
}

import GRDB

/// A LoRA file a job wrote, one row of `checkpoints`; its bytes are the blob `blobSHA256`.
public struct Checkpoint: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "checkpoints"

    public var jobID: String
    /// The file name, e.g. `lora-step00000100.safetensors`; unique per job.
    public var name: String
    public var step: Int
    public var epoch: Int
    public var blobSHA256: String
    public var isFinal: Bool
    public var createdAt: Int64

    public init(
        jobID: String, name: String, step: Int, epoch: Int, blobSHA256: String, isFinal: Bool, createdAt: Int64
    ) {
        self.jobID = jobID
        self.name = name
        self.step = step
        self.epoch = epoch
        self.blobSHA256 = blobSHA256
        self.isFinal = isFinal
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, step, epoch
        case jobID = "job_id"
        case blobSHA256 = "blob_sha256"
        case isFinal = "is_final"
        case createdAt = "created_at"
    }
}

/// A sample image a job rendered, one row of `samples`; its PNG is the blob `blobSHA256`.
public struct Sample: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "samples"

    public var jobID: String
    public var step: Int
    public var epoch: Int
    /// The prompt's position in the job's `sample_prompts`, and its text.
    public var promptIndex: Int
    public var prompt: String
    public var blobSHA256: String
    public var createdAt: Int64

    public init(
        jobID: String, step: Int, epoch: Int, promptIndex: Int, prompt: String, blobSHA256: String, createdAt: Int64
    ) {
        self.jobID = jobID
        self.step = step
        self.epoch = epoch
        self.promptIndex = promptIndex
        self.prompt = prompt
        self.blobSHA256 = blobSHA256
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, prompt
        case jobID = "job_id"
        case promptIndex = "prompt_index"
        case blobSHA256 = "blob_sha256"
        case createdAt = "created_at"
    }
}

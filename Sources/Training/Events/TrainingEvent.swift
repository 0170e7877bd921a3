import Foundation

/// What a training run reports while it runs: the one interface the command line and the server consume.
/// Events are `Codable`, so a server can store them and stream them as JSON.
public enum TrainingEvent: Codable, Sendable {
    case phase(TrainingPhase)
    case progress(TrainingProgress)
    /// The validation loss at fixed timesteps and noise, after `step`.
    case validation(step: Int, loss: Float)
    case sample(TrainingSample)
    case checkpoint(TrainingCheckpoint)
    /// The resume state (weights, optimizer, position, randomness) was written to `folder` after `step`.
    case stateSaved(step: Int, folder: URL)
    case log(TrainingLogLevel, String)
}

public enum TrainingPhase: Codable, Sendable, Equatable {
    case loadingModel
    /// Encoding images into latents (`cache_latents`): `done` of `total`.
    case cachingLatents(done: Int, total: Int)
    case training
    /// Stopped on request after saving its state (Ctrl-C, a server shutdown); `resume` continues it.
    case stopped
    /// Stopped on a cancel request, without saving anything.
    case canceled
    case finished
}

public enum TrainingLogLevel: String, Codable, Sendable {
    case info, notice, warning
}

/// One optimizer step's numbers.
public struct TrainingProgress: Codable, Sendable, Equatable {
    /// Optimizer steps done, 1-based, of `totalSteps`.
    public var step: Int
    public var totalSteps: Int
    /// The epoch this step belongs to, 1-based, of `totalEpochs`.
    public var epoch: Int
    public var totalEpochs: Int
    /// The step's loss (mean over its micro-batches) and an exponential moving average of it.
    public var loss: Float
    public var smoothedLoss: Float
    /// The learning rate of each parameter group (`unet`, `text_encoder`, …) at this step.
    public var learningRates: [String: Float]
    /// The gradient norm before clipping, when `max_grad_norm` is set.
    public var gradientNorm: Float?
    /// Optimizer steps per second over the recent steps (0 until two steps are done), and the estimated seconds
    /// left (`nil` until then).
    public var stepsPerSecond: Double
    public var secondsRemaining: Double?
}

/// A sample image rendered with the LoRA as it is at `step`.
public struct TrainingSample: Codable, Sendable {
    public var step: Int
    public var epoch: Int
    /// The prompt's position in `sample_prompts` and its text.
    public var promptIndex: Int
    public var prompt: String
    /// The PNG (with A1111 parameters) and where it was written.
    public var png: Data
    public var url: URL
}

/// A LoRA file written during or at the end of the run.
public struct TrainingCheckpoint: Codable, Sendable {
    public var step: Int
    public var epoch: Int
    public var url: URL
    public var byteCount: Int
    /// Hex SHA-256 of the file's bytes.
    public var sha256: String
    public var isFinal: Bool
}

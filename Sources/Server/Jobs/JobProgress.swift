import Training

/// A job's latest progress as the API shows it (in `Job.progress` and `progress` events); stored as JSON in
/// `jobs.progress`.
struct JobProgress: Codable, Sendable, Equatable {
    var step: Int
    var totalSteps: Int
    var epoch: Int
    var totalEpochs: Int
    var loss: Float
    var smoothedLoss: Float
    var learningRates: [String: Float]
    var gradientNorm: Float?
    var stepsPerSecond: Double
    var etaSeconds: Double?

    init(_ progress: TrainingProgress) {
        step = progress.step
        totalSteps = progress.totalSteps
        epoch = progress.epoch
        totalEpochs = progress.totalEpochs
        loss = progress.loss
        smoothedLoss = progress.smoothedLoss
        learningRates = progress.learningRates
        gradientNorm = progress.gradientNorm
        stepsPerSecond = progress.stepsPerSecond
        etaSeconds = progress.secondsRemaining
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss
        case totalSteps = "total_steps"
        case totalEpochs = "total_epochs"
        case smoothedLoss = "smoothed_loss"
        case learningRates = "learning_rates"
        case gradientNorm = "gradient_norm"
        case stepsPerSecond = "steps_per_second"
        case etaSeconds = "eta_seconds"
    }
}

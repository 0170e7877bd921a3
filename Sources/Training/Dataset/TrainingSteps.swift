/// train_network.py's step arithmetic for one process.
public struct TrainingSteps: Codable, Equatable, Sendable {
    /// Batches per epoch (`len(train_dataloader)`).
    public var batchesPerEpoch: Int
    /// Optimizer steps per epoch: ⌈batches / gradient_accumulation_steps⌉.
    public var stepsPerEpoch: Int
    /// Total optimizer steps: `max_train_epochs` × steps per epoch when that is set, else `max_train_steps`.
    public var maxTrainSteps: Int
    /// Epochs run: ⌈max_train_steps / steps per epoch⌉.
    public var epochs: Int

    public init(batchesPerEpoch: Int, gradientAccumulationSteps: Int, maxTrainSteps: Int, maxTrainEpochs: Int?) {
        self.batchesPerEpoch = batchesPerEpoch
        let accumulation = max(gradientAccumulationSteps, 1)
        let perEpoch = (batchesPerEpoch + accumulation - 1) / accumulation
        stepsPerEpoch = perEpoch
        self.maxTrainSteps = maxTrainEpochs.map { $0 * perEpoch } ?? maxTrainSteps
        epochs = perEpoch == 0 ? 0 : (self.maxTrainSteps + perEpoch - 1) / perEpoch
    }
}

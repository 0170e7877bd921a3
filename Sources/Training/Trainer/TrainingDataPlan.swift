import LoRA

/// What the trainer needs from a dataset: the micro-batches of each epoch in training order (each of one bucket),
/// the held-out validation batches, and every example variant to cache before training.
protocol TrainingDataPlan {
    /// Micro-batches per epoch (kohya's `len(train_dataloader)`).
    var batchesPerEpoch: Int { get }
    /// Epoch `epoch`'s micro-batches (0-based epoch), deterministic for the run's seed.
    func batches(epoch: Int) throws -> [[TrainingExample]]
    var validationBatches: [[TrainingExample]] { get }
    /// One example per (image, bucket, crop, flip) the run can use, for `cache_latents`.
    var cacheVariants: [TrainingExample] { get }
    /// The dataset as sd-scripts describes it in a LoRA file's metadata.
    var kohyaFacts: KohyaDatasetFacts { get }
}

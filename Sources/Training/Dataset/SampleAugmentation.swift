/// The per-sample image choices of kohya's `__getitem__` (`flip_aug`, `random_crop`), drawn from `DatasetRandom`
/// keyed by (seed, epoch, image, occurrence) so that a resumed run makes the same ones.
public struct SampleAugmentation: Sendable {
    public let settings: DatasetSettings

    public init(settings: DatasetSettings) { self.settings = settings }

    /// Whether `sample` is mirrored in `epoch` (`flip_aug`: a coin toss per sample, as kohya's `random() < 0.5`).
    public func flipped(epoch: Int, sample: DatasetSample) -> Bool {
        guard settings.flipAug else { return false }
        var coin = DatasetRandom(
            seed: settings.seed, purpose: .flip, epoch: epoch, item: sample.image, occurrence: sample.occurrence)
        return coin.uniform() < 0.5
    }

    /// The resize-and-crop plan of `sample` in `epoch`: centred, or with `random_crop` random offsets.
    public func plan(for image: TrainingDataset.Image, epoch: Int, sample: DatasetSample) -> ResizeCropPlan {
        var generator: DatasetRandom? =
            settings.randomCrop
            ? DatasetRandom(
                seed: settings.seed, purpose: .crop, epoch: epoch, item: sample.image, occurrence: sample.occurrence)
            : nil
        return ResizeCropPlan(
            originalWidth: image.width, originalHeight: image.height, assignment: image.assignment,
            random: &generator)
    }
}

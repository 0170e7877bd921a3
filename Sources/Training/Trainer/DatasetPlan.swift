import Crypto
import Foundation

/// The run's dataset as the trainer walks it: kohya's DreamBooth dataset (`TrainingDataset`) with its per-epoch
/// batch order, captions, flips and crops turned into `TrainingExample`s.
struct DatasetPlan {
    let training: TrainingDataset
    let validation: TrainingDataset?
    let captions: CaptionProcessor
    let augmentation: SampleAugmentation
    /// SHA-256 of each image file, by path: the latent cache's key.
    let hashes: [String: String]

    init(settings: DatasetSettings, reader: any DatasetImageReader) throws {
        training = try TrainingDataset(settings: settings, part: .training, reader: reader)
        validation =
            settings.validationSplit > 0
            ? try TrainingDataset(settings: settings, part: .validation, reader: reader) : nil
        captions = CaptionProcessor(settings: settings)
        augmentation = SampleAugmentation(settings: settings)
        var hashes: [String: String] = [:]
        for image in training.images + (validation?.images ?? []) where hashes[image.path] == nil {
            let data = try Data(contentsOf: URL(fileURLWithPath: image.path))
            hashes[image.path] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        self.hashes = hashes
    }

    /// Micro-batches per epoch (kohya's `len(train_dataloader)`).
    var batchesPerEpoch: Int { training.batchesPerEpoch }

    /// Epoch `epoch`'s micro-batches (0-based epoch), each of one bucket, in training order: a pure function of the
    /// seed and the epoch, so a resumed run sees the same order.
    func batches(epoch: Int) -> [[TrainingExample]] {
        // The dataset counts epochs from 1, as kohya's `current_epoch`.
        training.batches(epoch: epoch + 1).map { batch in
            batch.samples.map { example(training, $0, epoch: epoch + 1) }
        }
    }

    /// Each held-out image once, in batches of the training batch size per bucket, with its unprocessed caption.
    var validationBatches: [[TrainingExample]] {
        guard let validation else { return [] }
        return validation.batches(epoch: 1).map { batch in
            batch.samples.map { example(validation, $0, epoch: 1) }
        }
    }

    /// Every image at its bucket, centred, unflipped and flipped when `flip_aug` is on.
    var cacheVariants: [TrainingExample] {
        let datasets = [training] + (validation.map { [$0] } ?? [])
        return datasets.flatMap { dataset in
            dataset.images.indices.flatMap { index -> [TrainingExample] in
                let sample = DatasetSample(image: index, occurrence: 0)
                let plain = example(dataset, sample, epoch: 1, flipped: false)
                return dataset.settings.flipAug ? [plain, example(dataset, sample, epoch: 1, flipped: true)] : [plain]
            }
        }
    }

    private func example(
        _ dataset: TrainingDataset, _ sample: DatasetSample, epoch: Int, flipped: Bool? = nil
    ) -> TrainingExample {
        let image = dataset.images[sample.image]
        let plan = augmentation.plan(for: image, epoch: epoch, sample: sample)
        let isFlipped = flipped ?? augmentation.flipped(epoch: epoch, sample: sample)
        let crop = plan.sdxlCropTopLeft(flipped: isFlipped)
        return TrainingExample(
            image: URL(fileURLWithPath: image.path), imageSHA256: hashes[image.path] ?? "",
            originalWidth: image.width, originalHeight: image.height, resizedWidth: plan.resizedWidth,
            resizedHeight: plan.resizedHeight, cropLeft: plan.cropLeft, cropTop: plan.cropTop,
            bucketWidth: plan.bucket.width, bucketHeight: plan.bucket.height, flipped: isFlipped,
            conditioningCropLeft: crop.left, conditioningCropTop: crop.top,
            caption: dataset.part == .validation
                ? image.caption : captions.caption(image.caption, epoch: epoch, sample: sample),
            isRegularization: image.isRegularization)
    }
}

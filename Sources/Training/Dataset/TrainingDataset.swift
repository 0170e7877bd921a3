import Foundation

/// The images of one training or validation run with their captions, sizes, buckets and repeats: kohya's
/// DreamBoothDataset after `make_buckets`.
public struct TrainingDataset: Sendable {
    /// Which part of a `validation_split` dataset to build.
    public enum Part: String, Codable, Sendable {
        /// The training images (all of them without a split), with repeats and regularisation images.
        case training
        /// The held-out images, once each, without regularisation images (as kohya's validation dataset).
        case validation
    }

    /// One usable image.
    public struct Image: Codable, Equatable, Sendable {
        public var path: String
        /// The caption before per-step processing.
        public var caption: String
        /// Index into `layout.concepts`.
        public var concept: Int
        public var isRegularization: Bool
        /// Times the image appears per epoch: the folder's N, or kohya's balanced count for regularisation images.
        public var repeats: Int
        public var width: Int
        public var height: Int
        public var assignment: BucketAssignment
    }

    /// An image left out, and why.
    public struct Skipped: Codable, Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    public let settings: DatasetSettings
    public let part: Part
    public let layout: DatasetLayout
    /// Usable images, in kohya's registration order: training concepts, then the regularisation images used.
    public let images: [Image]
    public let skipped: [Skipped]
    /// Training images × repeats (kohya's `num_train_images`).
    public let trainImageCount: Int
    /// Regularisation images × their folders' repeats, before balancing (kohya's `num_reg_images`).
    public let regularizationImageCount: Int
    /// Buckets in sorted order with the images (repeats included) of each, empty buckets left out.
    public let buckets: [(bucket: BucketResolution, count: Int)]

    /// Scans `settings`' folders, reads every image's size with `reader` and assigns buckets.
    public init(settings: DatasetSettings, part: Part = .training, reader: any DatasetImageReader) throws(DatasetError) {
        try settings.validate()
        self.settings = settings
        self.part = part
        layout = try DatasetLayout.scan(settings)
        let manager = BucketManager(settings)
        var skipped: [Skipped] = []
        var trainImages: [Image] = []
        var regImages: [Image] = []
        var trainCount = 0
        var regCount = 0
        for (conceptIndex, concept) in layout.concepts.enumerated() {
            var files = concept.images
            if part == .validation && concept.isRegularization { continue }
            if settings.validationSplit > 0 && !concept.isRegularization {
                files = ValidationSplit.select(
                    files, part: part, fraction: settings.validationSplit,
                    seed: settings.validationSeed ?? settings.seed, concept: conceptIndex)
            }
            let repeats = part == .training ? concept.repeats : 1
            var usable = 0
            for file in files {
                let size: (width: Int, height: Int)
                do {
                    size = try reader.info(of: URL(fileURLWithPath: file.path))
                } catch {
                    skipped.append(Skipped(path: file.path, reason: "unreadable image: \(error)"))
                    continue
                }
                guard let assignment = manager.select(width: size.width, height: size.height) else {
                    skipped.append(
                        Skipped(
                            path: file.path,
                            reason: "\(size.width)x\(size.height) gives an empty bucket (too small or too narrow)"))
                    continue
                }
                let image = Image(
                    path: file.path, caption: file.caption, concept: conceptIndex,
                    isRegularization: concept.isRegularization, repeats: repeats, width: size.width,
                    height: size.height, assignment: assignment)
                if concept.isRegularization { regImages.append(image) } else { trainImages.append(image) }
                usable += 1
            }
            if concept.isRegularization { regCount += usable * repeats } else { trainCount += usable * repeats }
        }
        trainImageCount = trainCount
        regularizationImageCount = regCount
        images = trainImages + Self.balance(regImages, to: trainCount)
        self.skipped = skipped
        var counts: [BucketResolution: Int] = [:]
        for image in images { counts[image.assignment.bucket, default: 0] += image.repeats }
        buckets = counts.keys.sorted().map { ($0, counts[$0]!) }
    }

    /// kohya's regularisation balancing: register regularisation images (with their folder's repeats) until they
    /// reach the training count, then add one repeat at a time round-robin until they match it exactly.
    static func balance(_ regularization: [Image], to trainCount: Int) -> [Image] {
        guard !regularization.isEmpty else { return [] }
        var used: [Image] = []
        var count = 0
        var firstLoop = true
        while count < trainCount {
            for index in regularization.indices {
                if firstLoop {
                    used.append(regularization[index])
                    count += regularization[index].repeats
                } else {
                    used[index].repeats += 1
                    count += 1
                }
                if count >= trainCount { break }
            }
            firstLoop = false
        }
        return used
    }

    /// Batches per epoch: the sum over buckets of ⌈images / train_batch_size⌉ (kohya's `len(train_dataloader)`).
    public var batchesPerEpoch: Int {
        buckets.reduce(0) { $0 + ($1.count + settings.trainBatchSize - 1) / settings.trainBatchSize }
    }

    /// The steps arithmetic of train_network.py for this dataset.
    public var steps: TrainingSteps {
        TrainingSteps(
            batchesPerEpoch: batchesPerEpoch, gradientAccumulationSteps: settings.gradientAccumulationSteps,
            maxTrainSteps: settings.maxTrainSteps, maxTrainEpochs: settings.maxTrainEpochs)
    }
}

/// One occurrence of an image in an epoch: the image (an index into `TrainingDataset.images`) and which of its
/// repeats this is.
public struct DatasetSample: Codable, Hashable, Sendable {
    public var image: Int
    public var occurrence: Int
    public init(image: Int, occurrence: Int) {
        self.image = image
        self.occurrence = occurrence
    }
}

/// A batch: samples of one bucket.
public struct DatasetBatch: Codable, Equatable, Sendable {
    public var bucket: BucketResolution
    public var samples: [DatasetSample]
}

extension TrainingDataset {
    /// The batches of `epoch` (1-based, as kohya counts) in training order. As kohya, every epoch shuffles each
    /// bucket's samples, cuts them into batches of `train_batch_size` (the last one of a bucket may be smaller) and
    /// shuffles the batches; unlike kohya's chained `random.seed(seed + epoch)` shuffles, the order is a pure
    /// function of (seed, epoch), so a run resumes mid-epoch at `batches(epoch:)[batchIndex...]`.
    public func batches(epoch: Int) -> [DatasetBatch] {
        var batches: [DatasetBatch] = []
        for (bucketIndex, entry) in buckets.enumerated() {
            var samples: [DatasetSample] = []
            for (index, image) in images.enumerated() where image.assignment.bucket == entry.bucket {
                samples += (0..<image.repeats).map { DatasetSample(image: index, occurrence: $0) }
            }
            var random = DatasetRandom(seed: settings.seed, purpose: .bucketShuffle, epoch: epoch, item: bucketIndex)
            random.shuffle(&samples)
            for start in stride(from: 0, to: samples.count, by: settings.trainBatchSize) {
                let end = min(start + settings.trainBatchSize, samples.count)
                batches.append(DatasetBatch(bucket: entry.bucket, samples: Array(samples[start..<end])))
            }
        }
        var random = DatasetRandom(seed: settings.seed, purpose: .batchOrder, epoch: epoch, item: 0)
        random.shuffle(&batches)
        return batches
    }
}

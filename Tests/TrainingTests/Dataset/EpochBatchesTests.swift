import Foundation
import Testing
import Training

/// The order of an epoch's batches and the validation split: complete, bucket-pure and a pure function of the seed.
@Suite struct EpochBatchesTests {
    static func dataset(seed: UInt64 = 1, batchSize: Int = 3, split: Double = 0, part: TrainingDataset.Part = .training)
        throws -> (TrainingDataset, ScratchFolder)
    {
        let scratch = try ScratchFolder()
        var sizes: [String: (width: Int, height: Int)] = [:]
        for i in 0..<9 {
            try scratch.write("data/3_a/a\(i).png")
            sizes["a\(i).png"] = (512 + 128 * (i % 3), 512)
        }
        for i in 0..<4 {
            try scratch.write("data/2_b/b\(i).png")
            sizes["b\(i).png"] = (512, 700)
        }
        try scratch.write("reg/1_r/r0.png")
        sizes["r0.png"] = (512, 512)
        let settings = DatasetSettings(
            trainDataDir: scratch.path("data"), regDataDir: scratch.path("reg"), enableBucket: true,
            trainBatchSize: batchSize, seed: seed, validationSplit: split)
        return (try TrainingDataset(settings: settings, part: part, reader: FakeImageReader(sizes: sizes)), scratch)
    }

    @Test func everySampleAppearsOncePerEpochInABatchOfItsBucket() throws {
        let (dataset, _) = try Self.dataset()
        #expect(dataset.trainImageCount == 9 * 3 + 4 * 2)
        // One regularisation image balanced to the 35 training samples.
        #expect(dataset.images.last?.repeats == 35)
        for epoch in 1...3 {
            let batches = dataset.batches(epoch: epoch)
            #expect(batches.count == dataset.batchesPerEpoch)
            var seen: [DatasetSample] = []
            for batch in batches {
                #expect(!batch.samples.isEmpty && batch.samples.count <= 3)
                for sample in batch.samples {
                    #expect(dataset.images[sample.image].assignment.bucket == batch.bucket)
                }
                seen += batch.samples
            }
            let expected = dataset.images.enumerated().flatMap { index, image in
                (0..<image.repeats).map { DatasetSample(image: index, occurrence: $0) }
            }
            #expect(Set(seen) == Set(expected) && seen.count == expected.count)
        }
    }

    @Test func theOrderIsAFunctionOfSeedAndEpoch() throws {
        let (dataset, _) = try Self.dataset(seed: 5)
        let (again, _) = try Self.dataset(seed: 5)
        let (otherSeed, _) = try Self.dataset(seed: 6)
        #expect(dataset.batches(epoch: 2) == again.batches(epoch: 2))
        #expect(dataset.batches(epoch: 1) != dataset.batches(epoch: 2))
        #expect(dataset.batches(epoch: 1) != otherSeed.batches(epoch: 1))
    }

    @Test func cropPlansAreCentredOrSeededPerSample() throws {
        let (dataset, _) = try Self.dataset()
        var settings = dataset.settings
        let index = try #require(dataset.images.firstIndex { $0.width == 768 })
        let image = dataset.images[index]
        let sample = DatasetSample(image: index, occurrence: 2)
        let centred = SampleAugmentation(settings: settings).plan(for: image, epoch: 1, sample: sample)
        let (trimWidth, trimHeight) = (centred.resizedWidth - centred.bucket.width, centred.resizedHeight - centred.bucket.height)
        #expect(trimWidth + trimHeight > 10)
        #expect(centred.cropLeft == trimWidth / 2 && centred.cropTop == trimHeight / 2)
        settings.randomCrop = true
        let augmentation = SampleAugmentation(settings: settings)
        let plans = (1...20).map { augmentation.plan(for: image, epoch: $0, sample: sample) }
        #expect(Set(plans.map { [$0.cropLeft, $0.cropTop] }).count > 3)
        #expect(plans.allSatisfy { (0...trimWidth).contains($0.cropLeft) && (0...trimHeight).contains($0.cropTop) })
        #expect(augmentation.plan(for: image, epoch: 4, sample: sample) == augmentation.plan(for: image, epoch: 4, sample: sample))
    }

    @Test func validationSplitPartitionsEachConceptAndSkipsRegularisation() throws {
        let (training, _) = try Self.dataset(seed: 3, split: 0.35)
        let (validation, _) = try Self.dataset(seed: 3, split: 0.35, part: .validation)
        let trainingPaths = Set(training.images.filter { !$0.isRegularization }.map { ($0.path as NSString).lastPathComponent })
        let validationPaths = Set(validation.images.map { ($0.path as NSString).lastPathComponent })
        // round(9 × 0.35) = 3 of a*, round(4 × 0.35) = 1 of b*; kohya would also train on one of them.
        #expect(validationPaths.filter { $0.hasPrefix("a") }.count == 3)
        #expect(validationPaths.filter { $0.hasPrefix("b") }.count == 1)
        #expect(trainingPaths.isDisjoint(with: validationPaths) && trainingPaths.count + validationPaths.count == 13)
        #expect(validation.images.allSatisfy { $0.repeats == 1 && !$0.isRegularization })
        #expect(training.images.contains { $0.isRegularization })
        let (sameSeed, _) = try Self.dataset(seed: 3, split: 0.35, part: .validation)
        #expect(sameSeed.images.map { ($0.path as NSString).lastPathComponent } == validation.images.map { ($0.path as NSString).lastPathComponent })
    }
}

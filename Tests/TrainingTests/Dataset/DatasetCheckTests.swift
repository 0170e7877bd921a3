import Foundation
import Testing
import Training

/// The dataset check: what it reports per concept, duplicates, buckets, steps, and when a dataset is unusable.
@Suite struct DatasetCheckTests {
    @Test func reportsEveryKindOfProblem() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/10_sks dog/a.png", "same bytes")
        try scratch.write("data/10_sks dog/a.txt", "a dog")
        try scratch.write("data/10_sks dog/b.png", "same bytes")
        try scratch.write("data/10_sks dog/c.png", "broken")
        try scratch.write("data/10_sks dog/small.png", "small")
        try scratch.write("data/2_style/s.png", "style")
        try scratch.write("data/misc/x.png")
        let reader = FakeImageReader(
            sizes: ["a.png": (768, 512), "b.png": (768, 512), "small.png": (256, 256), "s.png": (512, 512)],
            failing: ["c.png"])
        let settings = DatasetSettings(
            trainDataDir: scratch.path("data"), enableBucket: true, trainBatchSize: 2, maxTrainEpochs: 3)
        let check = DatasetCheck.run(settings: settings, reader: reader)
        #expect(check.isUsable)
        #expect(check.concepts.count == 2)
        let dog = check.concepts[0]
        #expect(dog.repeats == 10 && dog.classTokens == "sks dog" && dog.images == 4)
        #expect(dog.imagesWithoutCaptions.map { scratch.relative($0) } == ["data/10_sks dog/b.png", "data/10_sks dog/c.png", "data/10_sks dog/small.png"])
        #expect(dog.unreadableFiles.map { scratch.relative($0.path) } == ["data/10_sks dog/c.png"])
        #expect(dog.smallerThanResolution.map { scratch.relative($0.path) } == ["data/10_sks dog/small.png"])
        #expect(check.duplicates.map { $0.map { scratch.relative($0) } } == [["data/10_sks dog/a.png", "data/10_sks dog/b.png"]])
        #expect(check.ignoredFolders.map { scratch.relative($0) } == ["data/misc"])
        #expect(check.warnings.contains { $0.contains("NO CAPTION FILES") && $0.contains("2_style") })
        #expect(check.trainImages == 3 * 10 + 2)
        // 512 buckets: 10 (small) + 2 (style) → 6 batches; 640x384: 20 → 10 batches.
        #expect(check.buckets.map(\.count).reduce(0, +) == 32)
        let steps = try #require(check.steps)
        #expect(steps.batchesPerEpoch == check.buckets.reduce(0) { $0 + ($1.count + 1) / 2 })
        #expect(steps.maxTrainSteps == 3 * steps.stepsPerEpoch && steps.epochs == 3)

        let decoded = try JSONDecoder().decode(DatasetCheck.self, from: JSONEncoder().encode(check))
        #expect(decoded == check)
        let report = check.report
        for needle in ["10_sks dog", "class tokens: \"sks dog\", repeats: 10", "duplicates", "buckets", "usable"] {
            #expect(report.contains(needle), "report lacks \(needle)")
        }
    }

    @Test func aDatasetWithoutImagesIsNotUsable() throws {
        let scratch = try ScratchFolder()
        try scratch.folder("data/5_empty")
        let check = DatasetCheck.run(settings: DatasetSettings(trainDataDir: scratch.path("data")), reader: FakeImageReader(sizes: [:]))
        #expect(!check.isUsable)
        #expect(check.errors.contains { $0.contains("no usable training images") })
        #expect(check.report.hasSuffix("NOT usable"))

        let wrongRoot = DatasetCheck.run(
            settings: DatasetSettings(trainDataDir: scratch.path("data/5_empty")), reader: FakeImageReader(sizes: [:]))
        #expect(!wrongRoot.isUsable && wrongRoot.errors[0].contains("Expected layout"))
    }
}

import Foundation
import Testing
import Training

/// Whole folder trees loaded as kohya's DreamBoothDataset loads them: captions, repeats, regularisation balancing,
/// buckets, batches per epoch and train_network.py's steps.
@Suite struct KohyaDatasetGoldenTests {
    static func cases() throws -> [[String: Any]] {
        try #require(try BucketGoldens.load()["dataset_cases"] as? [[String: Any]])
    }

    /// Writes the case's tree (captions with a second line that kohya ignores) and returns its reader.
    static func build(_ json: [String: Any], in scratch: ScratchFolder) throws -> FakeImageReader {
        var sizes: [String: (width: Int, height: Int)] = [:]
        let layout = try #require(json["layout"] as? [String: [String: [[Any]]]])
        for (part, folders) in layout {
            for (folder, images) in folders {
                try scratch.folder("\(part)/\(folder)")
                for image in images {
                    let name = try #require(image[0] as? String)
                    let size = try #require(image[1] as? [Int])
                    sizes[name] = (size[0], size[1])
                    try scratch.write("\(part)/\(folder)/\(name)", "image bytes of \(name)")
                    if let caption = image[2] as? String {
                        let stem = (name as NSString).deletingPathExtension
                        try scratch.write("\(part)/\(folder)/\(stem).txt", caption + "\nsecond line is ignored\n")
                    }
                }
            }
        }
        return FakeImageReader(sizes: sizes)
    }

    @Test func everyCaseMatchesKohya() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 4)
        for json in cases {
            let scratch = try ScratchFolder()
            let reader = try Self.build(json, in: scratch)
            let resolution = try #require(json["resolution"] as? [Int])
            let layout = try #require(json["layout"] as? [String: [String: [[Any]]]])
            var settings = DatasetSettings(
                trainDataDir: scratch.path("train"),
                regDataDir: (layout["reg"] ?? [:]).isEmpty ? nil : scratch.path("reg"),
                resolution: .init(width: resolution[0], height: resolution[1]),
                enableBucket: try #require(json["enable_bucket"] as? Bool),
                bucketNoUpscale: try #require(json["bucket_no_upscale"] as? Bool),
                trainBatchSize: try #require(json["train_batch_size"] as? Int))
            let name = try #require(json["name"] as? String)
            let dataset = try TrainingDataset(settings: settings, reader: reader)

            #expect(dataset.trainImageCount == json["num_train_images"] as? Int, "\(name)")
            #expect(dataset.regularizationImageCount == json["num_reg_images"] as? Int, "\(name)")
            let expectedImages = try #require(json["images"] as? [[String: Any]])
            #expect(dataset.images.count == expectedImages.count, "\(name)")
            for (image, expected) in zip(dataset.images, expectedImages) {
                #expect(scratch.relative(image.path) == expected["path"] as? String, "\(name)")
                #expect(image.caption == expected["caption"] as? String, "\(name) \(image.path)")
                #expect(image.repeats == expected["repeats"] as? Int, "\(name) \(image.path)")
                #expect(image.isRegularization == expected["is_reg"] as? Bool, "\(name) \(image.path)")
                let bucket = [image.assignment.bucket.width, image.assignment.bucket.height]
                #expect(bucket == expected["bucket"] as? [Int], "\(name) \(image.path)")
            }
            let buckets = try #require(json["buckets"] as? [[String: Any]])
            #expect(dataset.buckets.map { [$0.bucket.width, $0.bucket.height] } == buckets.map { $0["bucket"] as? [Int] ?? [] })
            #expect(dataset.buckets.map(\.count) == buckets.map { $0["count"] as? Int ?? -1 }, "\(name)")
            #expect(dataset.batchesPerEpoch == json["batches_per_epoch"] as? Int, "\(name)")
            #expect(dataset.layout.ignoredFolders.map { scratch.relative($0) } == (name.hasPrefix("two") ? ["train/notanumber_x"] : []))

            for steps in try #require(json["steps"] as? [[String: Any]]) {
                settings.gradientAccumulationSteps = try #require(steps["gradient_accumulation_steps"] as? Int)
                settings.maxTrainSteps = try #require(steps["max_train_steps_option"] as? Int)
                settings.maxTrainEpochs = steps["max_train_epochs"] as? Int
                let got = try TrainingDataset(settings: settings, reader: reader).steps
                #expect(got.batchesPerEpoch == json["batches_per_epoch"] as? Int)
                #expect(got.stepsPerEpoch == steps["steps_per_epoch"] as? Int, "\(name) \(steps)")
                #expect(got.maxTrainSteps == steps["max_train_steps"] as? Int, "\(name) \(steps)")
                #expect(got.epochs == steps["epochs"] as? Int, "\(name) \(steps)")
            }
        }
    }
}

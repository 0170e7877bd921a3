import Foundation
import Testing
import Training

/// Buckets, resized sizes and crops against kohya's BucketManager over many sizes and settings.
@Suite struct BucketManagerTests {
    static func settings(_ json: [String: Any]) throws -> DatasetSettings {
        let resolution = try #require(json["resolution"] as? [Int])
        return DatasetSettings(
            trainDataDir: "", resolution: .init(width: resolution[0], height: resolution[1]),
            enableBucket: try #require(json["enable_bucket"] as? Bool),
            minBucketReso: try #require(json["min_bucket_reso"] as? Int),
            maxBucketReso: try #require(json["max_bucket_reso"] as? Int),
            bucketResoSteps: try #require(json["bucket_reso_steps"] as? Int),
            bucketNoUpscale: try #require(json["bucket_no_upscale"] as? Bool))
    }

    @Test func everyGoldenCaseMatchesKohya() throws {
        let cases = try #require(try BucketGoldens.load()["bucket_cases"] as? [[String: Any]])
        #expect(cases.count >= 10)
        var compared = 0
        for json in cases {
            let settings = try Self.settings(json)
            try settings.validate()
            let manager = BucketManager(settings)
            let predefined = try #require(json["predefined"] as? [[Int]])
            if settings.enableBucket && !settings.bucketNoUpscale {
                #expect(manager.predefined.map { [$0.width, $0.height] } == predefined, "\(json["resolution"]!)")
            }
            for image in try #require(json["images"] as? [[String: Any]]) {
                let size = try #require(image["size"] as? [Int])
                let assignment = manager.select(width: size[0], height: size[1])
                if image["kohya_error"] as? Bool == true {
                    // kohya divides by zero or makes an empty bucket here; lorad skips the image or buckets it.
                    if let assignment { #expect(assignment.bucket.width > 0 && assignment.bucket.height > 0) }
                    continue
                }
                let got = try #require(assignment, "no bucket for \(size)")
                let context = "\(size) in \(settings.resolution) bucket=\(settings.enableBucket) noUpscale=\(settings.bucketNoUpscale)"
                #expect([got.bucket.width, got.bucket.height] == image["bucket"] as? [Int], "\(context)")
                #expect([got.resizedWidth, got.resizedHeight] == image["resized"] as? [Int], "\(context)")
                let error = try #require(image["aspect_error"] as? Double)
                #expect(abs(got.aspectRatioError - error) <= 1e-12, "\(context)")
                var noRandom: DatasetRandom? = nil
                let plan = ResizeCropPlan(
                    originalWidth: size[0], originalHeight: size[1], assignment: got, random: &noRandom)
                #expect(plan.cropLeft == image["crop_left"] as? Int, "\(context)")
                #expect(plan.cropTop == image["crop_top"] as? Int, "\(context)")
                let crop = plan.sdxlCropTopLeft(flipped: false)
                let flipped = plan.sdxlCropTopLeft(flipped: true)
                #expect([crop.top, crop.left] == image["sdxl_crop_top_left"] as? [Int], "\(context)")
                #expect([flipped.top, flipped.left] == image["sdxl_crop_top_left_flipped"] as? [Int], "\(context)")
                compared += 1
            }
        }
        #expect(compared > 700)
    }

    @Test func randomCropStaysInsideTheResizedImage() throws {
        let manager = BucketManager(DatasetSettings(trainDataDir: "", enableBucket: true))
        let assignment = try #require(manager.select(width: 1920, height: 1000))
        var lefts: Set<Int> = []
        for item in 0..<200 {
            var random: DatasetRandom? = DatasetRandom(seed: 7, purpose: .crop, epoch: 1, item: item)
            let plan = ResizeCropPlan(originalWidth: 1920, originalHeight: 1000, assignment: assignment, random: &random)
            #expect(plan.cropLeft >= 0 && plan.cropLeft + assignment.bucket.width <= assignment.resizedWidth)
            #expect(plan.cropTop >= 0 && plan.cropTop + assignment.bucket.height <= assignment.resizedHeight)
            lefts.insert(plan.cropLeft)
        }
        #expect(lefts.count > 5)
    }

    @Test func emptyBucketsAreRefusedNotCrashed() {
        let noUpscale = BucketManager(DatasetSettings(trainDataDir: "", enableBucket: true, bucketNoUpscale: true))
        #expect(noUpscale.select(width: 40, height: 40) == nil)
        #expect(noUpscale.select(width: 100_000, height: 3) == nil)
        #expect(noUpscale.select(width: 0, height: 512) == nil)
    }

    @Test func settingsOutOfRangeNameTheField() {
        func field(_ settings: DatasetSettings) -> String? {
            do {
                try settings.validate()
                return nil
            } catch {
                if case .invalidSetting(let field, _) = error { return field }
                return "other"
            }
        }
        #expect(field(DatasetSettings(trainDataDir: "", enableBucket: true, minBucketReso: 600)) == "min_bucket_reso")
        #expect(field(DatasetSettings(trainDataDir: "", resolution: .init(1100), enableBucket: true)) == "max_bucket_reso")
        #expect(field(DatasetSettings(trainDataDir: "", trainBatchSize: 0)) == "train_batch_size")
        #expect(field(DatasetSettings(trainDataDir: "", captionTagDropoutRate: 1.5)) == "caption_tag_dropout_rate")
        #expect(field(DatasetSettings(trainDataDir: "", validationSplit: 1)) == "validation_split")
        #expect(field(DatasetSettings(trainDataDir: "", enableBucket: true, bucketResoSteps: 0)) == "bucket_reso_steps")
        #expect(field(DatasetSettings(trainDataDir: "")) == nil)
    }
}

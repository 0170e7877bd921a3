import Foundation
import Testing
import Training

/// Settings travel as JSON under kohya's option names, with kohya's defaults for what is left out.
@Suite struct DatasetSettingsCodingTests {
    @Test func kohyaKeysAndDefaults() throws {
        let json = #"{"train_data_dir": "/d", "enable_bucket": true, "resolution": {"width": 768, "height": 512}, "max_train_epochs": 4, "caption_tag_dropout_rate": 0.1}"#
        let settings = try JSONDecoder().decode(DatasetSettings.self, from: Data(json.utf8))
        #expect(settings.trainDataDir == "/d" && settings.enableBucket && settings.resolution == .init(width: 768, height: 512))
        #expect(settings.maxTrainEpochs == 4 && settings.captionTagDropoutRate == 0.1)
        #expect(settings.minBucketReso == 256 && settings.maxBucketReso == 1024 && settings.bucketResoSteps == 64)
        #expect(settings.maxTrainSteps == 1600 && settings.trainBatchSize == 1 && settings.captionSeparator == ",")
        let encoded = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(DatasetSettings.self, from: encoded) == settings)
        let keys = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any]).keys
        #expect(keys.contains("bucket_no_upscale") && keys.contains("caption_dropout_every_n_epochs"))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DatasetSettings.self, from: Data("{}".utf8)) }
    }
}

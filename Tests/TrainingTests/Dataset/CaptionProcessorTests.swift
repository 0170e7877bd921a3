import Foundation
import Testing
import Training

/// Captions per step: kohya's process_caption where it draws nothing, and the seeded draws where it does.
@Suite struct CaptionProcessorTests {
    static let sample = DatasetSample(image: 3, occurrence: 1)

    @Test func deterministicCasesMatchKohya() throws {
        let cases = try #require(try BucketGoldens.load()["caption_cases"] as? [[String: Any]])
        #expect(cases.count >= 15)
        for json in cases {
            let options = try #require(json["settings"] as? [String: Any])
            let settings = DatasetSettings(
                trainDataDir: "", shuffleCaption: options["shuffle_caption"] as? Bool ?? false,
                captionSeparator: options["caption_separator"] as? String ?? ",",
                keepTokens: options["keep_tokens"] as? Int ?? 0,
                keepTokensSeparator: options["keep_tokens_separator"] as? String ?? "",
                secondarySeparator: options["secondary_separator"] as? String,
                captionPrefix: options["caption_prefix"] as? String, captionSuffix: options["caption_suffix"] as? String,
                captionDropoutRate: options["caption_dropout_rate"] as? Double ?? 0,
                captionDropoutEveryNEpochs: options["caption_dropout_every_n_epochs"] as? Int ?? 0,
                captionTagDropoutRate: options["caption_tag_dropout_rate"] as? Double ?? 0)
            let caption = try #require(json["caption"] as? String)
            let epoch = try #require(json["epoch"] as? Int)
            let got = CaptionProcessor(settings: settings).caption(caption, epoch: epoch, sample: Self.sample)
            #expect(got == json["expected"] as? String, "\(caption.debugDescription) \(options)")
        }
    }

    @Test func keepTokensSeparatorLeavesThePromptWithoutShuffling() {
        let settings = DatasetSettings(trainDataDir: "", keepTokensSeparator: "|||")
        let got = CaptionProcessor(settings: settings).caption("sks, dog ||| grass, sky", epoch: 1, sample: Self.sample)
        #expect(got == "sks, dog, grass, sky")
    }

    @Test func shuffleKeepsTheFixedTokensAndPermutesTheRest() {
        let settings = DatasetSettings(trainDataDir: "", shuffleCaption: true, keepTokens: 2, seed: 42)
        let processor = CaptionProcessor(settings: settings)
        let caption = "sks, woman, red hat, smiling, outdoors, bokeh, film grain, portrait"
        var orders: Set<String> = []
        for epoch in 1...8 {
            let got = processor.caption(caption, epoch: epoch, sample: Self.sample)
            let tokens = got.components(separatedBy: ", ")
            #expect(Array(tokens.prefix(2)) == ["sks", "woman"])
            #expect(tokens.sorted() == caption.components(separatedBy: ", ").sorted())
            // The same key always gives the same caption: a resumed run sees what the first run saw.
            #expect(processor.caption(caption, epoch: epoch, sample: Self.sample) == got)
            orders.insert(got)
        }
        #expect(orders.count > 4)
        let otherRepeat = processor.caption(caption, epoch: 1, sample: DatasetSample(image: 3, occurrence: 2))
        let otherSeed = CaptionProcessor(settings: DatasetSettings(
            trainDataDir: "", shuffleCaption: true, keepTokens: 2, seed: 43))
        #expect(
            otherRepeat != processor.caption(caption, epoch: 1, sample: Self.sample)
                || otherSeed.caption(caption, epoch: 1, sample: Self.sample)
                    != processor.caption(caption, epoch: 1, sample: Self.sample))
    }

    @Test func dropoutAndFlipRatesAreHonouredOnAverage() {
        let captionDropout = CaptionProcessor(settings: DatasetSettings(
            trainDataDir: "", captionDropoutRate: 0.25, seed: 9))
        let flip = SampleAugmentation(settings: DatasetSettings(trainDataDir: "", flipAug: true, seed: 9))
        let tagDropout = CaptionProcessor(settings: DatasetSettings(trainDataDir: "", captionTagDropoutRate: 0.5, seed: 9))
        var dropped = 0
        var tags = 0
        var flips = 0
        let trials = 4000
        for image in 0..<trials {
            let sample = DatasetSample(image: image, occurrence: 0)
            if captionDropout.caption("a, b, c, d", epoch: 1, sample: sample).isEmpty { dropped += 1 }
            let kept = tagDropout.caption("a, b, c, d", epoch: 1, sample: sample)
            tags += kept.isEmpty ? 0 : kept.components(separatedBy: ", ").count
            if flip.flipped(epoch: 1, sample: sample) { flips += 1 }
        }
        #expect(abs(Double(dropped) / Double(trials) - 0.25) < 0.03)
        #expect(abs(Double(tags) / Double(trials) - 2.0) < 0.1)
        #expect(abs(Double(flips) / Double(trials) - 0.5) < 0.03)
        let noFlip = SampleAugmentation(settings: DatasetSettings(trainDataDir: ""))
        #expect(!(0..<50).contains { noFlip.flipped(epoch: 1, sample: DatasetSample(image: $0, occurrence: 0)) })
    }
}

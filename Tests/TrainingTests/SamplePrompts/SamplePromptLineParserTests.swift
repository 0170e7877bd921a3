import Diffusion
import Testing

@testable import Training

@Suite struct SamplePromptLineParserTests {
    /// Every golden line parses to the dict sd-scripts' `line_to_prompt_dict` produced, and resolves to its
    /// `sample_image_inference` settings.
    @Test func matchesKohyaOnTrickyLines() throws {
        let goldens = try KohyaPromptGoldens.load()
        #expect(goldens.lines.count >= 15)
        for golden in goldens.lines {
            let fields = try SamplePromptLineParser.parse(golden.line)
            var keys: Set<String> = ["prompt"]
            if fields.negativePrompt != nil { keys.insert("negative_prompt") }
            if fields.width != nil { keys.insert("width") }
            if fields.height != nil { keys.insert("height") }
            if fields.sampleSteps != nil { keys.insert("sample_steps") }
            if fields.scale != nil { keys.insert("scale") }
            if fields.seed != nil { keys.insert("seed") }
            if fields.sampleSampler != nil { keys.insert("sample_sampler") }
            keys.formUnion(fields.ignoredOptions)
            #expect(keys == Set(golden.dict.keys), "\(golden.line)")

            let prompt = try SamplePromptValidation.resolve(fields, index: 0, defaultSampler: .ddim)
            let expected = golden.resolved
            #expect(prompt.prompt == expected.prompt, "\(golden.line)")
            #expect(prompt.negativePrompt == expected.negative_prompt, "\(golden.line)")
            #expect(prompt.width == expected.width, "\(golden.line)")
            #expect(prompt.height == expected.height, "\(golden.line)")
            #expect(prompt.steps == expected.sample_steps, "\(golden.line)")
            #expect(prompt.scale == expected.scale, "\(golden.line)")
            #expect(prompt.seed == expected.seed, "\(golden.line)")
            #expect(fields.sampleSampler == expected.sample_sampler, "\(golden.line)")
        }
    }

    /// Pieces sd-scripts logs or silently skips are errors in lorad.
    @Test func rejectsWhatKohyaSkips() throws {
        let goldens = try KohyaPromptGoldens.load()
        #expect(!goldens.rejected_lines.isEmpty)
        for golden in goldens.rejected_lines {
            #expect(throws: SamplePromptLineError.self, "\(golden.line)") {
                try SamplePromptLineParser.parse(golden.line)
            }
        }
    }

    @Test func errorNamesTheOption() {
        #expect(
            throws: SamplePromptLineError(
                "unknown option --width; options are --n, --w, --h, --s, --l, --d, --ss, --g, --cn, --ctr, --rcfg, --fs"
            )
        ) {
            try SamplePromptLineParser.parse("a cat --width 512")
        }
        #expect(throws: SamplePromptLineError("--w (width) needs a value after one space: \"--w abc\"")) {
            try SamplePromptLineParser.parse("a cat --w abc")
        }
        #expect(throws: SamplePromptLineError("--l 1.2.3 is not a number")) {
            try SamplePromptLineParser.parse("a cat --l 1.2.3")
        }
        #expect(throws: SamplePromptLineError.self) { try SamplePromptLineParser.parse("a cat --w 99999999999") }
        #expect(throws: SamplePromptLineError.self) {
            try SamplePromptLineParser.parse("a cat --d 18446744073709551616")
        }
    }

    @Test func samplerOptionIsMappedOrRejected() throws {
        let euler = try SamplePromptValidation.resolve(
            SamplePromptLineParser.parse("x --ss k_euler_a"), index: 0, defaultSampler: .ddim)
        #expect(euler.sampler == .eulerAncestral)
        let fallback = try SamplePromptValidation.resolve(
            SamplePromptLineParser.parse("x"), index: 0, defaultSampler: .dpmpp2MKarras)
        #expect(fallback.sampler == .dpmpp2MKarras)
        #expect(throws: ValueProblem.self) {
            try SamplePromptValidation.resolve(
                SamplePromptLineParser.parse("x --ss heun"), index: 0, defaultSampler: .ddim)
        }
    }
}

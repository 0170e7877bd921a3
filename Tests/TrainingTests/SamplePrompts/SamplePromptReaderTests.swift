import Foundation
import Testing

@testable import Training

@Suite struct SamplePromptReaderTests {
    /// The golden `.txt`, `.toml` and `.json` files read to the prompts sd-scripts' `load_prompts` returned.
    @Test func readsFilesAsKohya() throws {
        let goldens = try KohyaPromptGoldens.load()
        let folder = try TemporaryFolder()
        #expect(goldens.files.count == 3)
        for file in goldens.files {
            let path = try folder.write(file.name, file.content)
            let list = try SamplePromptReader.read(.file(path), defaultSampler: .ddim)
            #expect(list.prompts.count == file.resolved.count, "\(file.name)")
            for (index, (prompt, expected)) in zip(list.prompts, file.resolved).enumerated() {
                #expect(prompt.index == index)
                #expect(prompt.prompt == expected.prompt, "\(file.name)")
                #expect(prompt.negativePrompt == expected.negative_prompt, "\(file.name)")
                #expect(prompt.width == expected.width && prompt.height == expected.height, "\(file.name)")
                #expect(prompt.steps == expected.sample_steps, "\(file.name)")
                #expect(prompt.scale == expected.scale, "\(file.name)")
                #expect(prompt.seed == expected.seed, "\(file.name)")
                let sampler = try expected.sample_sampler.map { try KohyaSamplerName.resolve($0).get() } ?? .ddim
                #expect(prompt.sampler == sampler, "\(file.name)")
            }
        }
    }

    @Test func inlineTextAndLines() throws {
        let text = try SamplePromptReader.read(.text("# c\na --w 640\n\nb --n x"), defaultSampler: .euler)
        #expect(text.prompts.map(\.prompt) == ["a", "b"])
        #expect(text.prompts[0].width == 640 && text.prompts[1].negativePrompt == "x")
        let lines = try SamplePromptReader.read(.lines(["a --d 3", " b "]), defaultSampler: .euler)
        #expect(lines.prompts.map(\.prompt) == ["a", " b "])
        #expect(lines.prompts[0].seed == 3 && lines.prompts[1].seed == nil)
    }

    @Test func errorsCarryTheLineNumber() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("p.txt", "# header\n\ngood prompt\nbad --q 1\n")
        #expect(
            throws: SamplePromptError(
                file: path, location: .line(4),
                message:
                    "unknown option --q; options are --n, --w, --h, --s, --l, --d, --ss, --g, --cn, --ctr, --rcfg, --fs"
            )
        ) {
            try SamplePromptReader.read(.file(path), defaultSampler: .ddim)
        }
        let json = try folder.write("p.json", #"["ok", {"prompt": "x", "steps": 3}]"#)
        #expect(throws: SamplePromptError.self) { try SamplePromptReader.read(.file(json), defaultSampler: .ddim) }
        do {
            _ = try SamplePromptReader.read(.file(json), defaultSampler: .ddim)
        } catch {
            #expect(error.location == .entry(2))
            #expect(error.message.contains("\"steps\""))
        }
        let toml = try folder.write("p.toml", "[prompt]\nwidth = 512\n")
        #expect(throws: SamplePromptError(file: toml, message: "[prompt] has no [[prompt.subset]] entries")) {
            try SamplePromptReader.read(.file(toml), defaultSampler: .ddim)
        }
        let other = try folder.write("p.yaml", "a")
        #expect(throws: SamplePromptError.self) { try SamplePromptReader.read(.file(other), defaultSampler: .ddim) }
        #expect(throws: SamplePromptError.self) {
            try SamplePromptReader.read(.file(folder.path + "/missing.txt"), defaultSampler: .ddim)
        }
    }

    @Test func ignoredOptionsGiveNotices() throws {
        let list = try SamplePromptReader.read(.lines(["a --g 3.5 --cn img.png"]), defaultSampler: .ddim)
        #expect(list.notices.count == 2)
        #expect(list.notices[0].contains("guidance_scale"))
    }

    @Test func pythonStripAndNewlines() {
        #expect(SamplePromptReader.universalNewlineLines("a\r\nb\rc\n\nd") == ["a", "b", "c", "", "d"])
        #expect(SamplePromptReader.pythonStrip("\u{1C} \t x y \u{A0}\u{3000}") == "x y")
    }
}

import Foundation
import SafeTensors
import Testing

/// `lorad sample` as a script runs it: the built executable, the fixture models and diffusers' goldens.
@Suite final class SampleCommandTests {
    /// A fresh directory per test for the files a run reads and writes.
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    static func golden(_ model: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: LoradProcess.fixtures.appendingPathComponent("goldens/\(model).safetensors"))
    }

    static func modelPath(_ model: String) -> String {
        LoradProcess.fixtures.appendingPathComponent("models/\(model)").path
    }

    /// Writes a `--latents` file holding `values` of `shape` under `name`.
    func latentsFile(_ name: String, shape: [Int], values: [Float], tensor: String = "latents") throws -> String {
        var writer = SafeTensorsWriter()
        try writer.add(tensor, shape: shape, floats: values)
        let url = scratch.appendingPathComponent(name)
        try writer.write(to: url)
        return url.path
    }

    /// The arguments of the golden run of `model` (prompt, size, steps, guidance) with its initial latents.
    func goldenArguments(_ model: String) throws -> [String] {
        let golden = try Self.golden(model)
        let metadata = golden.metadata
        let latents = try #require(golden["pipe.latents_in"])
        var arguments = [
            "sample", "--model", Self.modelPath(model), "--prompt", try #require(metadata["pipe.prompt"]),
            "--width", try #require(metadata["pipe.width"]), "--height", try #require(metadata["pipe.height"]),
            "--steps", try #require(metadata["pipe.steps"]), "--cfg-scale", try #require(metadata["pipe.guidance"]),
            "--seed", "1",
            "--latents",
            try latentsFile("in.safetensors", shape: latents.shape, values: golden.floats("pipe.latents_in")),
        ]
        if let negative = metadata["pipe.negative_prompt"], negative != "null" {
            arguments += ["--negative-prompt", negative]
        }
        return arguments
    }

    /// The saved latents equal diffusers' `output_type="latent"` result: rtol 1e-4, atol 1e-4 of the peak (as the
    /// pipeline tests; the CLI adds only file I/O).
    @Test(arguments: [("sdxl-tiny", "euler", "Euler"), ("sd15-tiny", "ddim", "DDIM"), ("sd15-tiny", "euler", "Euler")])
    func savedLatentsMatchDiffusers(model: String, sampler: String, samplerName: String) throws {
        let saved = scratch.appendingPathComponent("out.safetensors")
        let png = scratch.appendingPathComponent("out.png")
        let outcome = try LoradProcess.run(
            try goldenArguments(model) + [
                "--sampler", sampler, "--save-latents", saved.path, "--out", png.path,
            ])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.contains(png.path))

        let golden = try Self.golden(model)
        let expected = try golden.floats("pipe.\(sampler).latents_out")
        let file = try SafeTensorsFile(contentsOf: saved)
        #expect(file.entries.map(\.name) == ["latents"])
        #expect(file["latents"]?.shape == golden["pipe.\(sampler).latents_out"]?.shape)
        let actual = try file.floats("latents")
        let peak = expected.map(abs).max() ?? 0
        let worst = zip(actual, expected).map { abs($0 - $1) / (1e-4 * peak + 1e-4 * abs($1)) }.max() ?? .infinity
        print("\(model) CLI latents: max |a−b| \(zip(actual, expected).map { abs($0 - $1) }.max() ?? 0), peak \(peak)")
        #expect(actual.count == expected.count && worst <= 1)

        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let prompt = try #require(golden.metadata["pipe.prompt"])
        #expect(bytes.range(of: Data("tEXtparameters\0\(prompt)\n".utf8)) != nil)
        #expect(bytes.range(of: Data("Sampler: \(samplerName), CFG scale: 7, ".utf8)) != nil)
    }

    struct BadArguments: Sendable, CustomStringConvertible {
        var description: String
        /// Arguments replacing or added to a valid sd15-tiny run.
        var arguments: @Sendable (SampleCommandTests) throws -> [String]
    }

    static let badArguments: [BadArguments] = [
        BadArguments(description: "unknown sampler") { _ in ["--sampler", "heun"] },
        BadArguments(description: "zero steps") { _ in ["--steps", "0"] },
        BadArguments(description: "negative steps") { _ in ["--steps", "-3"] },
        BadArguments(description: "steps not a number") { _ in ["--steps", "many"] },
        BadArguments(description: "width not a multiple of 8") { _ in ["--width", "36"] },
        BadArguments(description: "cuda") { _ in ["--device", "cuda"] },
        BadArguments(description: "latents of the wrong shape") { test in
            [
                "--latents",
                try test.latentsFile("small.safetensors", shape: [1, 4, 2, 2], values: .init(repeating: 0, count: 16)),
            ]
        },
        BadArguments(description: "latents under another name") { test in
            let golden = try SampleCommandTests.golden("sd15-tiny")
            let shape = try #require(golden["pipe.latents_in"]?.shape)
            return [
                "--latents",
                try test.latentsFile(
                    "noise.safetensors", shape: shape, values: golden.floats("pipe.latents_in"), tensor: "noise"),
            ]
        },
        BadArguments(description: "missing model") { test in
            ["--model", test.scratch.appendingPathComponent("nowhere").path]
        },
        BadArguments(description: "model that does not load") { test in
            let junk = test.scratch.appendingPathComponent("junk.safetensors")
            try Data("not a checkpoint".utf8).write(to: junk)
            return ["--model", junk.path]
        },
    ]

    /// Each bad argument: exit status 2, one line on stderr, no image.
    @Test(arguments: badArguments)
    func badArgumentExitsWithStatus2(_ bad: BadArguments) throws {
        let png = scratch.appendingPathComponent("bad.png")
        // Later options win in ArgumentParser, so the bad one follows a valid run's arguments.
        let outcome = try LoradProcess.run(
            try goldenArguments("sd15-tiny") + ["--out", png.path] + bad.arguments(self))
        #expect(outcome.status == 2, "stderr: \(outcome.stderr)")
        #expect(outcome.stderrLines.count == 1, "stderr: \(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: png.path))
    }

    @Test func missingPromptExitsWithStatus2() throws {
        let outcome = try LoradProcess.run(["sample", "--model", Self.modelPath("sd15-tiny")])
        #expect(outcome.status == 2)
        #expect(outcome.stderrLines.count == 1, "stderr: \(outcome.stderr)")
    }
}

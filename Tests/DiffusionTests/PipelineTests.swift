import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

/// Text-to-image on the tiny fixture models against diffusers' pipelines (`tools/make_fixtures.py`): the same
/// initial latents (`pipe.latents_in`, diffusers' `latents=`), prompt, guidance and step count, for every sampler.
/// 5 steps. Tolerances: rtol 1e-4 with atol 1e-4 of the expected tensor's peak for the final latents, rtol and atol
/// 1e-4 for the image in [0, 1]. Measured (and printed): latents within 2.4e-5 of their peak (SD 2 v-prediction;
/// SD 1.5 and SDXL ≤ 7e-6), images within 3.5e-5, at most 0.26 of the tolerance.
@Suite struct PipelineTests {
    struct Case: Sendable, CustomStringConvertible {
        var model: String
        /// The golden's name for the run: a sampler, or a variant of one.
        var name: String
        var sampler: Sampler
        var clipSkip = 1
        var description: String { "\(model) \(name)" }
    }

    static let cases: [Case] =
        ["sd15-tiny", "sd2-tiny", "sdxl-tiny"].flatMap { model in
            Sampler.allCases.map { Case(model: model, name: $0.rawValue, sampler: $0) }
        } + [
            // diffusers' clip_skip=1 is lorad's (A1111's) 2.
            Case(model: "sd15-tiny", name: "euler_clipskip2", sampler: .euler, clipSkip: 2),
            Case(model: "sdxl-tiny", name: "euler_neg", sampler: .euler),
        ]

    /// Loads a fixture model's pipeline and the golden request (prompt, size, steps, guidance, initial latents).
    static func setUp(_ testCase: Case) throws -> (TextToImagePipeline, TextToImageRequest, Golden, CPUBackend) {
        let backend = CPUBackend()
        let model = try StableDiffusionModel.load(from: Fixtures.model(testCase.model), backend: backend)
        let loaded = try TextToImagePipeline(model: model)
        let pipeline = TextToImagePipeline(
            promptEncoder: loaded.promptEncoder, unet: loaded.unet, vae: loaded.vae,
            schedulerConfig: try SchedulerTests.goldenSchedulerConfig(testCase.model),
            forceZerosForEmptyPrompt: loaded.forceZerosForEmptyPrompt)
        let golden = try Golden(testCase.model)
        let metadata = golden.file.metadata
        func number(_ key: String) throws -> Double {
            try #require(metadata[key].flatMap { Double($0) }, "metadata \(key)")
        }
        let negative = metadata["pipe.\(testCase.name).negative_prompt"] ?? metadata["pipe.negative_prompt"]
        let request = TextToImageRequest(
            prompt: try #require(metadata["pipe.prompt"]),
            negativePrompt: negative == "null" ? nil : negative,
            width: Int(try number("pipe.width")), height: Int(try number("pipe.height")),
            steps: Int(try number("pipe.steps")), guidanceScale: Float(try number("pipe.guidance")),
            sampler: testCase.sampler, seed: UInt64(try number("pipe.seed_euler_a")), clipSkip: testCase.clipSkip,
            initialNoise: try golden.channelsLast("pipe.latents_in", on: backend))
        return (pipeline, request, golden, backend)
    }

    @Test(arguments: cases)
    func matchesDiffusers(_ testCase: Case) throws {
        let (pipeline, request, golden, backend) = try Self.setUp(testCase)
        var reported: [Int] = []
        let result = try pipeline(request) { step, total in
            reported.append(step)
            #expect(total == request.steps)
            return true
        }
        #expect(reported == Array(1...request.steps))
        let latents = try golden.channelsLast("pipe.\(testCase.name).latents_out", on: backend)
        assertClose(
            result.latents, latents, rtol: 1e-4, atol: 1e-4 * peakMagnitude(latents),
            label: "\(testCase) latents")
        let image = try golden.channelsLast("pipe.\(testCase.name).image", on: backend)
        assertClose(result.image, image, rtol: 1e-4, atol: 1e-4, label: "\(testCase) image")
    }

    @Test func progressCanCancel() throws {
        let (pipeline, request, _, _) = try Self.setUp(Case(model: "sd15-tiny", name: "euler", sampler: .euler))
        var calls = 0
        #expect(throws: CancellationError.self) {
            try pipeline(request) { step, _ in
                calls += 1
                return step < 2
            }
        }
        #expect(calls == 2)
    }

    @Test func badRequestsAreRejected() throws {
        let (pipeline, request, _, backend) = try Self.setUp(Case(model: "sd15-tiny", name: "euler", sampler: .euler))
        var odd = request
        odd.width += 4
        #expect(throws: PipelineError.imageSize(width: odd.width, height: odd.height, factor: pipeline.vaeScaleFactor)) {
            try pipeline(odd)
        }
        var noSteps = request
        noSteps.steps = 0
        #expect(throws: PipelineError.steps(0)) { try pipeline(noSteps) }
        var wrongNoise = request
        let shape = pipeline.latentShape(width: request.width, height: request.height)
        wrongNoise.initialNoise = backend.zeros([1, shape[1], shape[2], shape[3] + 1])
        #expect(throws: PipelineError.noiseShape(expected: shape, actual: [1, shape[1], shape[2], shape[3] + 1])) {
            try pipeline(wrongNoise)
        }
    }

    @Test func infotextIsA1111Format() {
        var request = TextToImageRequest(
            prompt: "a cat", negativePrompt: "blurry", width: 512, height: 768, steps: 20, guidanceScale: 7,
            sampler: .eulerAncestral, seed: 42, clipSkip: 2)
        #expect(request.infotext == """
            a cat
            Negative prompt: blurry
            Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x768, Clip skip: 2
            """)
        request.negativePrompt = nil
        request.guidanceScale = 6.5
        request.sampler = .dpmpp2MKarras
        #expect(request.infotext == """
            a cat
            Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 42, Size: 512x768, Clip skip: 2
            """)
    }
}

import ArgumentParser
import Diffusion
import Foundation
import Imaging
import LoRA
import Tensors

/// `lorad sample`: one text-to-image generation, as diffusers' Stable Diffusion pipelines run it.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate an image from a prompt with a Stable Diffusion model.")

    @Option(help: "A diffusers model folder or a single-file .safetensors checkpoint.")
    var model: String

    @Option(help: "The prompt.")
    var prompt: String

    @Option(help: "The negative prompt (SDXL: zeros when not given, as diffusers does).")
    var negativePrompt: String?

    @Option(help: "Image width in pixels, a multiple of the VAE factor (default: the model's).")
    var width: Int?

    @Option(help: "Image height in pixels, a multiple of the VAE factor (default: the model's).")
    var height: Int?

    // `.unconditional` so that a negative value reaches validation instead of being taken for an option.
    @Option(parsing: .unconditional, help: "Denoising steps.")
    var steps: Int = 20

    @Option(parsing: .unconditional, help: "Classifier-free guidance scale (1 or less: no guidance).")
    var cfgScale: Float = 7

    @Option(
        help: """
            euler | euler_a | ddim | dpmpp_2m | dpmpp_2m_karras. The default, euler, is the scheduler diffusers \
            ships with SDXL; sampling is deterministic for a seed with every sampler.
            """)
    var sampler: String = Sampler.euler.rawValue

    @Option(parsing: .unconditional, help: "Random seed (default: a random one, printed).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "CLIP layers to skip from the end, as A1111 counts them (1: none).")
    var clipSkip: Int = 1

    @Option(
        help:
            "A safetensors file with an F32 tensor 'latents' [1, C, H/f, W/f]: the initial noise, used instead of the seeded draw (diffusers' latents=)."
    )
    var latents: String?

    @Option(help: "Write the final latents (before VAE decoding) here, in the same format.")
    var saveLatents: String?

    @Option(
        help: ArgumentHelp(
            "A LoRA file (kohya, LoCon or diffusers/peft) applied at WEIGHT (default 1); repeatable.",
            valueName: "file[:weight]"))
    var lora: [String] = []

    @Option(help: "The PNG to write.")
    var out: String = "sample.png"

    @Option(help: "cpu, cuda, cuda:N or auto (auto runs on the CPU until the CUDA backend exists).")
    var device: String = "cpu"

    func run() async throws {
        let started = ContinuousClock.now
        guard let sampler = Sampler(rawValue: sampler) else {
            let names = Sampler.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("unknown sampler '\(self.sampler)' (choose one of \(names))")
        }
        guard steps > 0 else { throw UsageError("--steps must be positive, got \(steps)") }
        guard cfgScale.isFinite else { throw UsageError("--cfg-scale must be a finite number") }
        guard clipSkip >= 1 else { throw UsageError("--clip-skip must be at least 1, got \(clipSkip)") }
        let backend = try DeviceChoice.backend(named: device)

        let modelURL = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            throw UsageError("--model \(model) does not exist")
        }
        let loras = try lora.map { argument in
            let parsed = try LoRAFileArgument(parsing: argument)
            guard FileManager.default.fileExists(atPath: parsed.file.path) else {
                throw UsageError("--lora \(argument): no file at \(parsed.file.path)")
            }
            return parsed
        }
        let pipeline: TextToImagePipeline
        let defaultSize: (height: Int, width: Int)
        let loaded: StableDiffusionModel
        do {
            loaded = try StableDiffusionModel.load(from: modelURL, backend: backend)
            pipeline = try TextToImagePipeline(model: loaded)
            defaultSize = loaded.defaultImageSize
        } catch {
            throw UsageError("--model \(model) does not load: \(error)")
        }
        try Self.attach(loras, to: loaded, on: backend)
        let width = width ?? defaultSize.width
        let height = height ?? defaultSize.height
        let factor = pipeline.vaeScaleFactor
        guard width > 0, height > 0, width % factor == 0, height % factor == 0 else {
            throw UsageError("--width and --height must be positive multiples of \(factor), got \(width)x\(height)")
        }
        let initialNoise = try latents.map {
            try LatentsFile.read(
                URL(fileURLWithPath: $0), nhwcShape: pipeline.latentShape(width: width, height: height), on: backend)
        }
        let seed = seed ?? UInt64.random(in: 0..<(1 << 32))
        if self.seed == nil { print("seed: \(seed)") }

        let request = TextToImageRequest(
            prompt: prompt, negativePrompt: negativePrompt, width: width, height: height, steps: steps,
            guidanceScale: cfgScale, sampler: sampler, seed: seed, clipSkip: clipSkip, initialNoise: initialNoise)
        let result: TextToImageResult
        do {
            result = try pipeline(request)
        } catch let error as SchedulerError {
            throw UsageError("\(error)")
        } catch let error as PipelineError {
            throw UsageError("\(error)")
        } catch let error as TextEncoderError {
            throw UsageError("\(error)")
        }
        if let saveLatents {
            try LatentsFile.write(result.latents, to: URL(fileURLWithPath: saveLatents), on: backend)
        }
        let image = Image(width: width, height: height, channels: 3, unitValues: backend.download(result.image))
        let png = try PNGEncoder.encode(image, text: [(keyword: "parameters", value: request.infotext)])
        try png.write(to: URL(fileURLWithPath: out), options: .atomic)
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("wrote \(out) in \(String(format: "%.1f", seconds)) s")
    }

    /// Attaches each LoRA file to the model at its weight.
    static func attach(_ loras: [LoRAFileArgument], to model: StableDiffusionModel, on backend: any Backend) throws {
        for argument in loras {
            do {
                try LoRANetwork.attach(contentsOf: argument.file, to: model, multiplier: argument.weight, on: backend)
            } catch {
                throw UsageError("--lora \(argument.file.path): \(error)")
            }
        }
    }
}

import Tensors

/// Text-to-image sampling as diffusers' `StableDiffusionPipeline` (SD 1.x, 2.x) and `StableDiffusionXLPipeline`
/// run it (`pipelines/stable_diffusion/pipeline_stable_diffusion.py`,
/// `pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py`), one image per call: encode the prompt and the
/// negative prompt, start from noise × `init_noise_sigma`, and at every step run the UNet on the batch
/// [negative, prompt], guide, and step the scheduler; then decode with the VAE.
public struct TextToImagePipeline: Sendable {
    public let promptEncoder: PromptEncoder
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let schedulerConfig: SchedulerConfig
    /// SDXL: conditions the negative half on zeros when no negative prompt is given.
    public let forceZerosForEmptyPrompt: Bool
    let backend: any Backend

    public init(
        promptEncoder: PromptEncoder, unet: UNet2DConditionModel, vae: AutoencoderKL,
        schedulerConfig: SchedulerConfig, forceZerosForEmptyPrompt: Bool
    ) {
        self.promptEncoder = promptEncoder
        self.unet = unet
        self.vae = vae
        self.schedulerConfig = schedulerConfig
        self.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt
        backend = unet.backend
    }

    private var isXL: Bool { promptEncoder.rule == .stableDiffusionXL }

    /// Pixels per latent in each direction: 2^(VAE levels − 1).
    public var vaeScaleFactor: Int { 1 << (vae.config.blockOutChannels.count - 1) }

    /// The NHWC shape of the latents for an image of `width`×`height` pixels.
    public func latentShape(width: Int, height: Int) -> [Int] {
        [1, height / vaeScaleFactor, width / vaeScaleFactor, unet.config.inChannels]
    }

    /// Runs `request`. `progress(step, total)` is called after each step (1-based); returning `false` stops the
    /// run with `CancellationError`.
    public func callAsFunction(
        _ request: TextToImageRequest, progress: (_ step: Int, _ total: Int) -> Bool = { _, _ in true }
    ) throws -> TextToImageResult {
        let factor = vaeScaleFactor
        guard request.width > 0, request.height > 0, request.width % factor == 0, request.height % factor == 0 else {
            throw PipelineError.imageSize(width: request.width, height: request.height, factor: factor)
        }
        guard request.steps > 0 else { throw PipelineError.steps(request.steps) }
        let shape = latentShape(width: request.width, height: request.height)
        if let noise = request.initialNoise, noise.shape != shape {
            throw PipelineError.noiseShape(expected: shape, actual: noise.shape)
        }

        let guided = request.guidanceScale > 1
        let conditioning = try encode(request, guided: guided)
        var scheduler = try request.sampler.makeScheduler(
            config: schedulerConfig, steps: request.steps, noiseSeed: request.seed)
        var generator = PhiloxGenerator(seed: request.seed, stream: 0)
        let noise = request.initialNoise ?? generator.channelsLastNormal(shape, on: backend)
        var latents = backend.scale(noise, by: scheduler.initNoiseSigma)

        let batch = guided ? 2 : 1
        let added = conditioning.pooled.map { pooled in
            // (original size, crop top-left, target size) = ((h, w), (0, 0), (h, w)) for both halves.
            let ids = [request.height, request.width, 0, 0, request.height, request.width].map(Float.init)
            return UNetAddedConditions(textEmbeds: pooled, timeIds: Array([[Float]](repeating: ids, count: batch).joined()))
        }
        let total = scheduler.timesteps.count
        for (index, timestep) in scheduler.timesteps.enumerated() {
            let input = scheduler.scaleModelInput(
                guided ? backend.concat([latents, latents], axis: 0) : latents, step: index, on: backend)
            var prediction = unet(
                input, timesteps: [Float](repeating: timestep, count: batch),
                encoderHiddenStates: conditioning.context, addedConditions: added)
            if guided {
                let scale = request.guidanceScale
                prediction = backend.linearCombination([
                    (1 - scale, backend.slice(prediction, axis: 0, 0..<1)),
                    (scale, backend.slice(prediction, axis: 0, 1..<2)),
                ])
            }
            latents = scheduler.step(prediction, step: index, sample: latents, on: backend)
            guard progress(index + 1, total) else { throw CancellationError() }
        }
        return TextToImageResult(latents: latents, image: decode(latents))
    }

    /// The UNet conditioning, `[negative, prompt]` when guided. Clip skip applies to both prompts, as in A1111 and
    /// kohya and in the fixture goldens (`tools/make_fixtures.py`); diffusers' own `encode_prompt(clip_skip=)`
    /// leaves the negative prompt at the default layer.
    private func encode(_ request: TextToImageRequest, guided: Bool) throws -> PromptEmbeddings {
        let positive = try promptEncoder.encode([request.prompt], clipSkip: request.clipSkip)
        guard guided else { return positive }
        let negative = isXL && request.negativePrompt == nil && forceZerosForEmptyPrompt
            ? promptEncoder.zeros(batch: 1)
            : try promptEncoder.encode([request.negativePrompt ?? ""], clipSkip: request.clipSkip)
        return PromptEmbeddings(
            context: backend.concat([negative.context, positive.context], axis: 0),
            pooled: positive.pooled.flatMap { pooled in
                negative.pooled.map { backend.concat([$0, pooled], axis: 0) }
            })
    }

    /// Latents → image in [0, 1]: undo the latent scaling (SDXL: and the per-channel statistics when the VAE has
    /// them), decode, then clamp(x/2 + 0.5, 0, 1).
    public func decode(_ latents: Tensor) -> Tensor {
        let config = vae.config
        var unscaled: Tensor
        let channels = latents.shape[3]
        if isXL, let mean = config.latentsMean, let std = config.latentsStd, mean.count == channels,
            std.count == channels
        {
            unscaled = backend.multiply(latents, backend.upload(std.map { $0 / config.scalingFactor }, shape: [channels]))
            unscaled = backend.add(unscaled, backend.upload(mean, shape: [channels]))
        } else {
            unscaled = backend.scale(latents, by: 1 / config.scalingFactor)
        }
        let image = vae.decode(unscaled)
        return backend.clamp(backend.add(backend.scale(image, by: 0.5), backend.full([1], value: 0.5)), min: 0, max: 1)
    }
}

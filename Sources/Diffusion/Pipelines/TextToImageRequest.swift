import Tensors

/// What to generate: the arguments of diffusers' `StableDiffusionPipeline.__call__` / `StableDiffusionXLPipeline`
/// that lorad supports.
public struct TextToImageRequest: Sendable {
    public var prompt: String
    /// `nil`: SD encodes "" as the negative; SDXL uses zeros when the model forces zeros for an empty prompt.
    public var negativePrompt: String?
    public var width: Int
    public var height: Int
    public var steps: Int
    /// Classifier-free guidance scale; at 1 or below the UNet runs on the prompt alone (as in diffusers).
    public var guidanceScale: Float
    public var sampler: Sampler
    /// Seeds the initial noise (`PhiloxGenerator` stream 0) and ancestral sampling's per-step noise (stream 1).
    public var seed: UInt64
    /// A1111's clip skip, for the prompt and the negative prompt: 1 uses the last layer (diffusers
    /// `clip_skip=None`), N uses diffusers' `clip_skip=N−1`.
    public var clipSkip: Int
    /// Unit-variance initial noise `[1, height/f, width/f, latent channels]` (NHWC) used instead of the seeded
    /// draw, as diffusers' `latents=` argument (it is still multiplied by the scheduler's `init_noise_sigma`).
    public var initialNoise: Tensor?

    public init(
        prompt: String, negativePrompt: String? = nil, width: Int, height: Int, steps: Int = 20,
        guidanceScale: Float = 7, sampler: Sampler = .euler, seed: UInt64, clipSkip: Int = 1,
        initialNoise: Tensor? = nil
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.width = width
        self.height = height
        self.steps = steps
        self.guidanceScale = guidanceScale
        self.sampler = sampler
        self.seed = seed
        self.clipSkip = clipSkip
        self.initialNoise = initialNoise
    }
}

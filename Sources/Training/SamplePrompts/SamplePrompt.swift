import Diffusion

/// One preview image to render during training, with every setting resolved.
///
/// Defaults are those of sd-scripts' `sample_image_inference`: 512×512, 30 steps, CFG scale 7.5, no negative
/// prompt, a fresh random seed per image, and the config's `sample_sampler`. Width and height are rounded down to a
/// multiple of 8 with a floor of 64 (`max(64, x - x % 8)`), as `sample_image_inference` does before rendering.
public struct SamplePrompt: Sendable, Equatable {
    /// Position in the prompt list (sd-scripts' `enum`), used in the image file name.
    public var index: Int
    public var prompt: String
    /// `--n`; empty for none.
    public var negativePrompt: String
    /// `--w`, in pixels.
    public var width: Int
    /// `--h`, in pixels.
    public var height: Int
    /// `--s`: denoising steps.
    public var steps: Int
    /// `--l`: classifier-free guidance scale.
    public var scale: Double
    /// `--d`; `nil` draws a new random seed for each rendering, as sd-scripts does.
    public var seed: UInt64?
    /// `--ss`, else the config's `sample_sampler`.
    public var sampler: Sampler

    public static let defaultWidth = 512
    public static let defaultHeight = 512
    public static let defaultSteps = 30
    public static let defaultScale = 7.5

    public init(
        index: Int, prompt: String, negativePrompt: String = "", width: Int = defaultWidth,
        height: Int = defaultHeight, steps: Int = defaultSteps, scale: Double = defaultScale, seed: UInt64? = nil,
        sampler: Sampler
    ) {
        self.index = index
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.width = width
        self.height = height
        self.steps = steps
        self.scale = scale
        self.seed = seed
        self.sampler = sampler
    }

    /// sd-scripts' rounding of a requested size before rendering.
    static func renderSize(_ requested: Int) -> Int { max(64, requested - requested % 8) }
}

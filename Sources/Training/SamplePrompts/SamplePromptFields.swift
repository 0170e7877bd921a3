/// The settings one prompt entry gives, before defaults: the Swift form of the dict that sd-scripts'
/// `line_to_prompt_dict` returns (and that `.toml` / `.json` prompt files hold), under the same names.
public struct SamplePromptFields: Sendable, Equatable {
    public var prompt: String?
    /// `negative_prompt` (`--n`).
    public var negativePrompt: String?
    /// `width` (`--w`), as written (not yet rounded).
    public var width: Int?
    /// `height` (`--h`), as written.
    public var height: Int?
    /// `sample_steps` (`--s`); the line syntax clamps it to 1…1000 as sd-scripts does.
    public var sampleSteps: Int?
    /// `scale` (`--l`).
    public var scale: Double?
    /// `seed` (`--d`).
    public var seed: UInt64?
    /// `sample_sampler` (`--ss`), as written.
    public var sampleSampler: String?
    /// Options sd-scripts reads for other model families (`--g`, `--cn`, `--ctr`, `--rcfg`, `--fs`) that change
    /// nothing for SD/SDXL previews: their dict names, in order.
    public var ignoredOptions: [String]

    public init(
        prompt: String? = nil, negativePrompt: String? = nil, width: Int? = nil, height: Int? = nil,
        sampleSteps: Int? = nil, scale: Double? = nil, seed: UInt64? = nil, sampleSampler: String? = nil,
        ignoredOptions: [String] = []
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.width = width
        self.height = height
        self.sampleSteps = sampleSteps
        self.scale = scale
        self.seed = seed
        self.sampleSampler = sampleSampler
        self.ignoredOptions = ignoredOptions
    }
}

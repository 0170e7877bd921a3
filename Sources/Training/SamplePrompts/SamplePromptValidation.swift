import Diffusion

/// Turns the settings one entry gives into a `SamplePrompt`: sd-scripts' defaults, its size rounding, and lorad's
/// range checks.
enum SamplePromptValidation {
    /// The largest width or height a preview may ask for.
    static let maximumSide = 8192

    static func resolve(_ fields: SamplePromptFields, index: Int, defaultSampler: Sampler) throws(ValueProblem)
        -> SamplePrompt
    {
        func side(_ value: Int?, _ name: String, _ fallback: Int) throws(ValueProblem) -> Int {
            guard let value else { return fallback }
            guard (0...maximumSide).contains(value) else {
                throw ValueProblem("\(name) \(value) is outside 0…\(maximumSide)")
            }
            return SamplePrompt.renderSize(value)
        }
        let steps = fields.sampleSteps ?? SamplePrompt.defaultSteps
        guard (1...1000).contains(steps) else { throw ValueProblem("sample_steps \(steps) is outside 1…1000") }
        let scale = fields.scale ?? SamplePrompt.defaultScale
        guard scale.isFinite, scale >= 0 else { throw ValueProblem("scale \(scale) must be a number ≥ 0") }
        var sampler = defaultSampler
        if let name = fields.sampleSampler {
            switch KohyaSamplerName.resolve(name) {
            case .success(let resolved): sampler = resolved
            case .failure(let error): throw ValueProblem("sample_sampler \(error)")
            }
        }
        return SamplePrompt(
            index: index, prompt: fields.prompt ?? "", negativePrompt: fields.negativePrompt ?? "",
            width: try side(fields.width, "width", SamplePrompt.defaultWidth),
            height: try side(fields.height, "height", SamplePrompt.defaultHeight), steps: steps, scale: scale,
            seed: fields.seed, sampler: sampler)
    }
}

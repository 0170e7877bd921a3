extension TextToImagePipeline {
    /// The pipeline of a loaded model, with its own scheduler config.
    public init(model: StableDiffusionModel) throws {
        let encoders = zip(model.tokenizers, model.textEncoders).map {
            PromptEncoder.Encoder(tokenizer: $0, model: $1)
        }
        let rule: PromptEncoder.Rule = model.architecture == .sdxl ? .stableDiffusionXL : .stableDiffusion
        self.init(
            promptEncoder: try PromptEncoder(encoders, rule: rule), unet: model.unet, vae: model.vae,
            schedulerConfig: try SchedulerConfig(json: model.schedulerConfig),
            forceZerosForEmptyPrompt: model.forceZerosForEmptyPrompt)
    }
}

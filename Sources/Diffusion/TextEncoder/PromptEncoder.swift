import Tensors

/// The text conditioning of one denoising batch.
public struct PromptEmbeddings: Sendable {
    /// The UNet's cross-attention context, `[B, L, cross_attention_dim]`.
    public var context: Tensor
    /// SDXL's pooled text embedding `[B, projection_dim]` (an input of `add_embedding`); `nil` for SD 1.x/2.x.
    public var pooled: Tensor?

    public init(context: Tensor, pooled: Tensor?) {
        self.context = context
        self.pooled = pooled
    }
}

/// Turns prompts into UNet conditioning, as diffusers' `StableDiffusionPipeline.encode_prompt` and
/// `StableDiffusionXLPipeline.encode_prompt` do: each prompt is tokenised to the full length (padded, truncated)
/// and encoded without an attention mask.
public struct PromptEncoder: Sendable {
    public enum Rule: Sendable {
        /// SD 1.x / 2.x, one encoder: the final-normed last layer, or with clip skip N ≥ 2 `hidden_states[−N]` put
        /// through `final_layer_norm` (diffusers' `clip_skip = N − 1`).
        case stableDiffusion
        /// SDXL: `hidden_states[−(N+1)]` of every encoder, not normed, joined along the channels; the pooled
        /// embedding is `text_embeds` of the first encoder that has a projection (text_encoder_2). diffusers
        /// takes `hidden_states[−2]` by default and `hidden_states[−(clip_skip+2)]` otherwise, so lorad's clip
        /// skip N is diffusers' `clip_skip = N − 1` here too, and N = 1 (the penultimate layer) is its default.
        case stableDiffusionXL
    }

    public struct Encoder: Sendable {
        public let tokenizer: CLIPTokenizer
        public let model: CLIPTextModel

        public init(tokenizer: CLIPTokenizer, model: CLIPTextModel) {
            self.tokenizer = tokenizer
            self.model = model
        }
    }

    public let rule: Rule
    public let encoders: [Encoder]
    /// Tokens per prompt: the tokenizer's `model_max_length` in every SD folder.
    public let sequenceLength: Int
    let backend: any Backend

    public init(_ encoders: [Encoder], rule: Rule, sequenceLength: Int = CLIPTokenizer.maxLength) throws {
        guard let first = encoders.first else { throw TextEncoderError.encoders("no text encoder given") }
        switch rule {
        case .stableDiffusion:
            guard encoders.count == 1 else {
                throw TextEncoderError.encoders("SD 1.x/2.x use one text encoder, \(encoders.count) given")
            }
        case .stableDiffusionXL:
            guard encoders.contains(where: \.model.hasProjection) else {
                throw TextEncoderError.encoders(
                    "SDXL needs a text encoder with text_projection for the pooled embedding")
            }
        }
        for encoder in encoders {
            let config = encoder.model.config
            // Checked here so that a mismatched tokenizer fails when the model is loaded, not on some prompt.
            guard encoder.tokenizer.vocabularySize <= config.vocabSize else {
                throw TextEncoderError.tokenizerLargerThanModel(
                    tokenizerVocabulary: encoder.tokenizer.vocabularySize, vocabSize: config.vocabSize)
            }
            guard sequenceLength <= config.maxPositionEmbeddings else {
                throw TextEncoderError.sequenceTooLong(
                    length: sequenceLength, maxPositionEmbeddings: config.maxPositionEmbeddings)
            }
        }
        self.rule = rule
        self.encoders = encoders
        self.sequenceLength = sequenceLength
        backend = first.model.backend
    }

    /// The context width: the sum of the encoders' hidden sizes.
    public var contextDim: Int { encoders.reduce(0) { $0 + $1.model.config.hiddenSize } }

    /// Encodes `prompts` with clip skip `clipSkip` as A1111 and kohya count it (1 = no skip).
    ///
    /// diffusers encodes *negative* prompts without clip skip (SD: `last_hidden_state`; SDXL: `hidden_states[−2]`);
    /// to reproduce its pipelines, encode them with `clipSkip: 1`. A1111 and kohya skip for both.
    public func encode(_ prompts: [String], clipSkip: Int) throws -> PromptEmbeddings {
        guard !prompts.isEmpty else { throw TextEncoderError.emptyBatch }
        let layers = encoders.map(\.model.config.numHiddenLayers).min() ?? 0
        guard (1...layers).contains(clipSkip) else {
            throw TextEncoderError.clipSkipOutOfRange(clipSkip: clipSkip, layers: layers)
        }
        var contexts: [Tensor] = []
        var pooled: Tensor?
        for encoder in encoders {
            let ids = prompts.map { encoder.tokenizer.encode($0, length: sequenceLength) }
            let output = try encoder.model(ids)
            switch rule {
            case .stableDiffusion:
                contexts.append(
                    clipSkip == 1
                        ? output.lastHiddenState
                        : encoder.model.finalLayerNorm(output.hiddenStates[output.hiddenStates.count - clipSkip]))
            case .stableDiffusionXL:
                contexts.append(output.hiddenStates[output.hiddenStates.count - 1 - clipSkip])
                if pooled == nil { pooled = output.textEmbeds }
            }
        }
        let context = contexts.count == 1 ? contexts[0] : backend.concat(contexts, axis: 2)
        return PromptEmbeddings(context: context, pooled: pooled)
    }

    /// All-zero conditioning for `batch` samples: SDXL's negative embeddings when no negative prompt is given
    /// (diffusers' `force_zeros_for_empty_prompt`, `torch.zeros_like` of both the context and the pooled part).
    public func zeros(batch: Int) -> PromptEmbeddings {
        let pooledDim = encoders.first(where: \.model.hasProjection)?.model.config.projectionDim
        return PromptEmbeddings(
            context: backend.zeros([batch, sequenceLength, contextDim]),
            pooled: rule == .stableDiffusionXL ? pooledDim.map { backend.zeros([batch, $0]) } : nil)
    }
}

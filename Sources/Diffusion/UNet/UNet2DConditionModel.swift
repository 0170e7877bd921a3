import Tensors

/// diffusers `UNet2DConditionModel` (`models/unets/unet_2d_condition.py`) for SD 1.x, SD 2.x and SDXL: the
/// noise-prediction network, built from any `UNetConfig` of those families with diffusers' parameter names.
public struct UNet2DConditionModel: Sendable {
    public let config: UNetConfig
    public let convIn: Conv2d
    public let timeProjection: Timesteps
    public let timeEmbedding: TimestepEmbedding
    /// SDXL's `add_time_proj` and `add_embedding`, for `addition_embed_type = "text_time"`.
    public let additionTimeProjection: Timesteps?
    public let additionEmbedding: TimestepEmbedding?
    public let downBlocks: [UNetDownBlock]
    public let midBlock: UNetMidBlock2DCrossAttn?
    public let upBlocks: [UNetUpBlock]
    public let convNormOut: GroupNorm
    public let convOut: Conv2d
    /// The layers LoRA-style adapters can attach to, by diffusers module path.
    public let adaptableLayers: AdaptableLayers
    let backend: any Backend

    /// Builds the model from `config` with its weights from `parameters` (names relative to the UNet, e.g.
    /// `down_blocks.0.resnets.0.conv1.weight`). Throws what the parameter source reports (missing or misshapen
    /// weights).
    public init(config: UNetConfig, parameters: Parameters) throws {
        self.config = config
        let channels = config.blockOutChannels
        convIn = Conv2d(
            parameters["conv_in"], inChannels: config.inChannels, outChannels: channels[0],
            kernelSize: config.convInKernel, padding: .uniform((config.convInKernel - 1) / 2))
        timeProjection = Timesteps(
            channels: channels[0], flipSinToCos: config.flipSinToCos, downscaleFreqShift: config.freqShift)
        timeEmbedding = TimestepEmbedding(
            parameters["time_embedding"], inChannels: channels[0], embeddingDim: config.timeEmbeddingDim,
            activation: config.activation, postActivation: config.timestepPostActivation)
        if config.additionEmbedType == .textTime, let timeDim = config.additionTimeEmbedDim,
            let inputDim = config.projectionClassEmbeddingsInputDim
        {
            additionTimeProjection = Timesteps(
                channels: timeDim, flipSinToCos: config.flipSinToCos, downscaleFreqShift: config.freqShift)
            // diffusers builds add_embedding with its default SiLU, not act_fn.
            additionEmbedding = TimestepEmbedding(
                parameters["add_embedding"], inChannels: inputDim, embeddingDim: config.timeEmbeddingDim)
        } else {
            additionTimeProjection = nil
            additionEmbedding = nil
        }
        downBlocks = channels.indices.map { UNetDownBlock(parameters["down_blocks"][$0], config: config, index: $0) }
        midBlock = config.hasMidBlock ? UNetMidBlock2DCrossAttn(parameters["mid_block"], config: config) : nil
        upBlocks = channels.indices.map { UNetUpBlock(parameters["up_blocks"][$0], config: config, index: $0) }
        convNormOut = GroupNorm(
            parameters["conv_norm_out"], groups: config.normNumGroups, channels: channels[0], eps: config.normEps)
        convOut = Conv2d(
            parameters["conv_out"], inChannels: channels[0], outChannels: config.outChannels,
            kernelSize: config.convOutKernel, padding: .uniform((config.convOutKernel - 1) / 2))
        adaptableLayers = parameters.adaptableLayers
        backend = parameters.backend
        try parameters.source.finish()
    }

    /// Predicts the noise (or v) for `sample [B, h, w, in]` (NHWC latents) at `timesteps` (one per batch entry)
    /// under `encoderHiddenStates [B, L, crossAttentionDim]`; SDXL also needs `addedConditions`.
    /// Returns `[B, h, w, out]`. Any `h`, `w` work: upsamplers match the skip sizes when they are not multiples of
    /// the total downsampling.
    public func callAsFunction(
        _ sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor, addedConditions: UNetAddedConditions? = nil
    ) -> Tensor {
        let batch = sample.shape[0]
        precondition(sample.rank == 4 && timesteps.count == batch, "UNet: \(sample) with \(timesteps.count) timesteps")

        var emb = timeEmbedding(
            backend.upload(timeProjection(timesteps), shape: [batch, timeProjection.channels]))
        if let additionEmbedding, let additionTimeProjection {
            guard let addedConditions else { preconditionFailure("this UNet (text_time) needs addedConditions") }
            let ids = addedConditions.timeIds
            precondition(
                ids.count % batch == 0 && addedConditions.textEmbeds.shape.first == batch,
                "UNet: time_ids of \(ids.count) values and text_embeds \(addedConditions.textEmbeds) for batch \(batch)")
            let timeEmbeds = backend.upload(
                additionTimeProjection(ids), shape: [batch, ids.count / batch * additionTimeProjection.channels])
            let combined = backend.concat([addedConditions.textEmbeds, timeEmbeds], axis: 1)
            emb = backend.add(emb, additionEmbedding(combined))
        }
        if let activation = config.timeEmbeddingActivation { emb = backend.activation(emb, activation) }

        var h = convIn(sample)
        var skips = [h]
        for block in downBlocks {
            let (out, blockSkips) = block(h, timeEmbedding: emb, context: encoderHiddenStates)
            h = out
            skips += blockSkips
        }
        if let midBlock { h = midBlock(h, timeEmbedding: emb, context: encoderHiddenStates) }

        // diffusers passes explicit sizes to every upsampler once either side is not a multiple of 2^upsamplers.
        let factor = 1 << (upBlocks.count - 1)
        let forwardSizes = sample.shape[1] % factor != 0 || sample.shape[2] % factor != 0
        for block in upBlocks {
            var size: (height: Int, width: Int)?
            let remaining = skips.count - block.resnets.count
            if forwardSizes, block.upsampler != nil, remaining > 0 {
                let target = skips[remaining - 1]
                size = (target.shape[1], target.shape[2])
            }
            h = block(h, skips: &skips, timeEmbedding: emb, context: encoderHiddenStates, upsampleSize: size)
        }
        return convOut(convNormOut(h, activation: config.activation))
    }
}

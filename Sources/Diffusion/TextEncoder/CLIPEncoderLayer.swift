import Tensors

/// One pre-norm transformer layer of the CLIP text encoder (transformers `CLIPEncoderLayer`):
/// `x += attn(LN1(x))`, then `x += mlp(LN2(x))`.
struct CLIPEncoderLayer: Sendable {
    let layerNorm1: LayerNorm
    let selfAttention: CLIPAttention
    let layerNorm2: LayerNorm
    let mlp: CLIPMLP
    let backend: any Backend

    init(_ parameters: Parameters, config: CLIPTextConfig) {
        layerNorm1 = LayerNorm(parameters["layer_norm1"], features: config.hiddenSize, eps: config.layerNormEps)
        selfAttention = CLIPAttention(parameters["self_attn"], config: config)
        layerNorm2 = LayerNorm(parameters["layer_norm2"], features: config.hiddenSize, eps: config.layerNormEps)
        mlp = CLIPMLP(parameters["mlp"], config: config)
        backend = parameters.backend
    }

    /// `x [B, L, C]` → `[B, L, C]`. One gradient-checkpointing region.
    func callAsFunction(_ x: Tensor) -> Tensor {
        backend.checkpointed([x]) { [self] in forward($0[0]) }
    }

    private func forward(_ x: Tensor) -> Tensor {
        let attended = backend.add(x, selfAttention(layerNorm1(x)))
        return backend.add(attended, mlp(layerNorm2(attended)))
    }
}

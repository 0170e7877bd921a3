import Tensors

/// CLIP's causal multi-head self-attention (transformers `CLIPAttention`): separate q/k/v projections with biases,
/// scale `head_dim^-1/2`, then `out_proj`.
struct CLIPAttention: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int
    let backend: any Backend

    init(_ parameters: Parameters, config: CLIPTextConfig) {
        let width = config.hiddenSize
        query = Linear(parameters["q_proj"], inFeatures: width, outFeatures: width)
        key = Linear(parameters["k_proj"], inFeatures: width, outFeatures: width)
        value = Linear(parameters["v_proj"], inFeatures: width, outFeatures: width)
        output = Linear(parameters["out_proj"], inFeatures: width, outFeatures: width)
        heads = config.numAttentionHeads
        backend = parameters.backend
    }

    /// `x [B, L, C]` → `[B, L, C]`; each position sees itself and the positions before it.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let attended = backend.attention(query: query(x), key: key(x), value: value(x), heads: heads, causal: true)
        return output(attended)
    }
}

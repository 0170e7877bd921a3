import Tensors

/// diffusers `BasicTransformerBlock` with `norm_type = "layer_norm"` (`models/attention.py`):
/// `x += attn1(norm1(x))`, `x += attn2(norm2(x), context)`, `x += ff(norm3(x))`.
/// With `onlyCrossAttention`, attn1 also attends to the context instead of to `x`.
public struct BasicTransformerBlock: Sendable {
    public let norm1: LayerNorm
    public let attn1: Attention
    public let norm2: LayerNorm
    public let attn2: Attention
    public let norm3: LayerNorm
    public let ff: FeedForward
    public let onlyCrossAttention: Bool
    let backend: any Backend

    /// diffusers' Transformer2DModel builds its blocks with LayerNorm eps 1e-5 whatever the UNet's norm_eps.
    public static let layerNormEps: Float = 1e-5

    public init(
        _ parameters: Parameters, dim: Int, heads: Int, headDim: Int, contextDim: Int, onlyCrossAttention: Bool
    ) {
        let eps = Self.layerNormEps
        norm1 = LayerNorm(parameters["norm1"], features: dim, eps: eps)
        attn1 = Attention(
            parameters["attn1"], queryDim: dim, contextDim: onlyCrossAttention ? contextDim : nil, heads: heads,
            headDim: headDim, bias: false)
        norm2 = LayerNorm(parameters["norm2"], features: dim, eps: eps)
        attn2 = Attention(
            parameters["attn2"], queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim, bias: false)
        norm3 = LayerNorm(parameters["norm3"], features: dim, eps: eps)
        ff = FeedForward(parameters["ff"], dim: dim)
        self.onlyCrossAttention = onlyCrossAttention
        backend = parameters.backend
    }

    /// `x [B, L, dim]`, `context [B, Lc, contextDim]` → `[B, L, dim]`.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var x = backend.add(x, attn1(norm1(x), context: onlyCrossAttention ? context : nil))
        x = backend.add(x, attn2(norm2(x), context: context))
        return backend.add(x, ff(norm3(x)))
    }
}

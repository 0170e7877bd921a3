import Tensors

/// diffusers `Attention` as the UNet and VAE use it (`models/attention_processor.py`, `AttnProcessor2_0`):
/// `to_out.0(softmax(q·kᵀ/√d)·v)` over `heads` heads of width `headDim`, with q from the input and k, v from the
/// context (the input itself for self-attention).
public struct Attention: Sendable {
    public let toQ: Linear
    public let toK: Linear
    public let toV: Linear
    public let toOut: Linear
    public let heads: Int

    /// `contextDim` is the width of the cross-attention context, `nil` for self-attention; `bias` is the q/k/v bias
    /// (off in the UNet's transformers, on in the VAE); the output projection always has one.
    public init(_ parameters: Parameters, queryDim: Int, contextDim: Int?, heads: Int, headDim: Int, bias: Bool) {
        let inner = heads * headDim
        toQ = Linear(parameters["to_q"], inFeatures: queryDim, outFeatures: inner, bias: bias)
        toK = Linear(parameters["to_k"], inFeatures: contextDim ?? queryDim, outFeatures: inner, bias: bias)
        toV = Linear(parameters["to_v"], inFeatures: contextDim ?? queryDim, outFeatures: inner, bias: bias)
        toOut = Linear(parameters["to_out"][0], inFeatures: inner, outFeatures: queryDim)
        self.heads = heads
    }

    /// `x [B, L, queryDim]`, `context [B, Lc, contextDim]` → `[B, L, queryDim]`.
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor {
        let source = context ?? x
        let attended = toQ.backend.attention(
            query: toQ(x), key: toK(source), value: toV(source), heads: heads, causal: false)
        return toOut(attended)
    }
}

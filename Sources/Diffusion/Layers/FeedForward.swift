import Tensors

/// diffusers `FeedForward` with `activation_fn = "geglu"` (`models/attention.py`, `models/activations.py`):
/// `net.2(GEGLU(net.0.proj(x)))`, where GEGLU gates the first half of the projection with GELU of the second.
public struct FeedForward: Sendable {
    /// `net.0.proj`: dim → 2 · inner.
    public let projectionIn: Linear
    /// `net.2`: inner → dim.
    public let projectionOut: Linear

    public init(_ parameters: Parameters, dim: Int, multiplier: Int = 4) {
        let inner = dim * multiplier
        projectionIn = Linear(parameters["net"][0]["proj"], inFeatures: dim, outFeatures: 2 * inner)
        projectionOut = Linear(parameters["net"][2], inFeatures: inner, outFeatures: dim)
    }

    /// `[…, dim]` → `[…, dim]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        projectionOut(projectionIn.backend.geglu(projectionIn(x)))
    }
}

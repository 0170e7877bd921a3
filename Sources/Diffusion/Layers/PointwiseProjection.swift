import Tensors

/// A per-pixel linear map stored either as a Linear `[out, in]` or as a 1×1 convolution `[out, in, 1, 1]`
/// (Transformer2DModel's proj_in/proj_out, by `use_linear_projection`). On channels-last activations the two are
/// the same operation, so both run as one matrix product over the last dimension.
public struct PointwiseProjection: Sendable {
    /// `[out, in]` whatever the stored form.
    public let weight: Tensor
    public let bias: Tensor
    /// Whether the checkpoint stores it as a 1×1 convolution (adapters must then use the convolution form).
    public let isConvolution: Bool
    public let adapters: AdapterSlot
    let backend: any Backend

    public init(_ parameters: Parameters, inFeatures: Int, outFeatures: Int, isConvolution: Bool) {
        if isConvolution {
            weight = parameters.convolutionKernel("weight", shape: [outFeatures, inFeatures, 1, 1])
                .reshaped([outFeatures, inFeatures])
        } else {
            weight = parameters.tensor("weight", shape: [outFeatures, inFeatures])
        }
        bias = parameters.tensor("bias", shape: [outFeatures])
        self.isConvolution = isConvolution
        adapters = parameters.adapterSlot(
            isConvolution
                ? .convolution(
                    inChannels: inFeatures, outChannels: outFeatures, kernelSize: 1, stride: 1, padding: .zero)
                : .linear(inFeatures: inFeatures, outFeatures: outFeatures))
        backend = parameters.backend
    }

    /// `[…, in]` → `[…, out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        adapters.apply(input: x, output: backend.linear(x, weight: weight, bias: bias), backend: backend)
    }
}

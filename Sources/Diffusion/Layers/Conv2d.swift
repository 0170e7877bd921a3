import Tensors

/// A 2-D convolution over NHWC activations (PyTorch `nn.Conv2d` with square kernels).
public struct Conv2d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Padding2D
    public let adapters: AdapterSlot
    let backend: any Backend

    public init(
        _ parameters: Parameters, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Padding2D = .zero, bias hasBias: Bool = true
    ) {
        weight = parameters.convolutionKernel("weight", shape: [outChannels, inChannels, kernelSize, kernelSize])
        bias = hasBias ? parameters.tensor("bias", shape: [outChannels]) : nil
        self.stride = stride
        self.padding = padding
        adapters = parameters.adapterSlot(
            .convolution(
                inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
                padding: padding))
        backend = parameters.backend
    }

    public var outChannels: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let output = backend.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
        return adapters.apply(input: x, output: output, backend: backend)
    }
}

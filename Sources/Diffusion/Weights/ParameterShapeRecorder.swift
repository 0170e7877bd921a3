import Tensors

/// A parameter source that loads nothing: it records the name and PyTorch shape of every parameter a model asks
/// for and returns shape-only tensors. Building a model from it lists exactly the keys a checkpoint must provide.
public final class ParameterShapeRecorder: ParameterSource {
    public let backend: any Backend
    public private(set) var shapes: [String: [Int]] = [:]

    public init(backend: any Backend = CPUBackend()) {
        self.backend = backend
    }

    public func tensor(_ name: String, shape: [Int], isConvolutionKernel: Bool) -> Tensor {
        shapes[name] = shape
        let layout = isConvolutionKernel && shape.count == 4 ? [shape[0], shape[2], shape[3], shape[1]] : shape
        return .meta(layout, dtype: backend.computeDType)
    }

    public func finish() throws {}
}

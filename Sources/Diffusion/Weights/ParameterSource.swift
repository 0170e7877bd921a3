import Tensors

/// Where a model's constructor takes its weights from, by diffusers parameter name.
///
/// A source never fails on the first bad name: it records every missing or misshapen parameter, hands back a
/// placeholder, and reports them all together from `finish()`, so an error lists everything a file lacks.
public protocol ParameterSource: AnyObject {
    /// The backend that the returned tensors live on.
    var backend: any Backend { get }
    /// The tensor named `name` with exactly `shape` (PyTorch layout), in the backend's compute dtype.
    /// With `isConvolutionKernel` the stored OIHW kernel comes back as OHWI (see `Backend.conv2d`).
    func tensor(_ name: String, shape: [Int], isConvolutionKernel: Bool) -> Tensor
    /// Throws one error naming every problem met so far.
    func finish() throws
}

/// A view of a `ParameterSource` under a name prefix: `parameters["down_blocks"][0]["resnets"]`.
///
/// The view also carries the registry in which a model's adaptable layers (`Linear`, `Conv2d`, …) record
/// themselves under their module path (the prefix).
public struct Parameters {
    public let source: any ParameterSource
    public let prefix: String
    public let adaptableLayers: AdaptableLayers

    public init(_ source: any ParameterSource, prefix: String = "", adaptableLayers: AdaptableLayers = .init()) {
        self.source = source
        self.prefix = prefix
        self.adaptableLayers = adaptableLayers
    }

    public var backend: any Backend { source.backend }

    public subscript(_ component: String) -> Parameters {
        Parameters(source, prefix: qualified(component), adaptableLayers: adaptableLayers)
    }

    /// Registers the layer at this prefix as adaptable and returns the slot its adapters go in.
    func adapterSlot(_ kind: AdaptableLayerKind) -> AdapterSlot {
        adaptableLayers.register(path: prefix, kind: kind)
    }

    public subscript(_ index: Int) -> Parameters { self[String(index)] }

    public func tensor(_ name: String, shape: [Int]) -> Tensor {
        source.tensor(qualified(name), shape: shape, isConvolutionKernel: false)
    }

    /// A convolution kernel given in PyTorch's `[out, in, kh, kw]`, returned as `[out, kh, kw, in]`.
    public func convolutionKernel(_ name: String, shape: [Int]) -> Tensor {
        source.tensor(qualified(name), shape: shape, isConvolutionKernel: true)
    }

    private func qualified(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}

import Foundation
import Tensors

/// A change to one layer's output that is not part of its frozen weights: a LoRA, LoCon, … module.
public protocol LayerAdapter: AnyObject, Sendable {
    /// The layer's output with this adapter's contribution; `output` is what the layer (and any adapter before this
    /// one) computed for `input`.
    func adapt(input: Tensor, output: Tensor, backend: any Backend) -> Tensor
}

/// The adapters attached to one layer, applied in order after the layer's own computation. Adapters can be attached
/// and removed after a model is built (a sampler switching LoRA files, the trainer installing its modules).
public final class AdapterSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var adapters: [any LayerAdapter] = []

    public init() {}

    public var attached: [any LayerAdapter] { lock.withLock { adapters } }

    public func attach(_ adapter: any LayerAdapter) { lock.withLock { adapters.append(adapter) } }

    public func detachAll() { lock.withLock { adapters.removeAll() } }

    /// `output` changed by every attached adapter.
    public func apply(input: Tensor, output: Tensor, backend: any Backend) -> Tensor {
        attached.reduce(output) { $1.adapt(input: input, output: $0, backend: backend) }
    }
}

import Foundation
import Tensors

/// The operation of a layer that adapters can change, with what an adapter needs to match it.
public enum AdaptableLayerKind: Hashable, Sendable {
    /// `[…, inFeatures]` → `[…, outFeatures]`.
    case linear(inFeatures: Int, outFeatures: Int)
    /// A convolution over NHWC activations. Transformer2DModel's 1×1 projections stored as convolutions are this
    /// kind too, although they run on `[B, H·W, C]` sequences.
    case convolution(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Padding2D)
}

/// One adaptable layer of a model: its diffusers module path (`down_blocks.0.attentions.0.proj_in`,
/// `text_model.encoder.layers.0.self_attn.q_proj`), its kind, and the slot its adapters go in.
public struct AdaptableLayer: Sendable {
    public let path: String
    public let kind: AdaptableLayerKind
    public let slot: AdapterSlot
}

/// Every adaptable layer of one model, in construction order. Layers register themselves while the model is
/// built from `Parameters`.
public final class AdaptableLayers: @unchecked Sendable {
    private let lock = NSLock()
    private var layers: [AdaptableLayer] = []
    private var byPath: [String: Int] = [:]

    public init() {}

    public var all: [AdaptableLayer] { lock.withLock { layers } }

    public subscript(path: String) -> AdaptableLayer? {
        lock.withLock { byPath[path].map { layers[$0] } }
    }

    /// Removes every adapter from every layer.
    public func detachAll() {
        for layer in all { layer.slot.detachAll() }
    }

    func register(path: String, kind: AdaptableLayerKind) -> AdapterSlot {
        lock.withLock {
            precondition(byPath[path] == nil, "two layers registered at \(path)")
            let slot = AdapterSlot()
            byPath[path] = layers.count
            layers.append(AdaptableLayer(path: path, kind: kind, slot: slot))
            return slot
        }
    }
}

import Diffusion
import Foundation
import Tensors

/// The LoRA modules of one network over a pipeline's models (UNet and text encoders), attached to their layers.
public final class LoRANetwork: @unchecked Sendable {
    public struct Entry: Sendable {
        /// `unet`, `text_encoder` or `text_encoder_2`.
        public let component: String
        public let module: LoRAModule
    }

    public let entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// New modules for training, initialised as kohya's `LoRAModule`: `down` Kaiming-uniform with a = √5 (uniform
    /// in ±1/√fan_in, fan_in = in·k·k) drawn from Philox by `seed`, one stream per module in order, and `up` zero,
    /// so the network starts as the identity.
    public static func initialized(
        _ targets: [(component: String, path: String, rank: Int, alpha: Float)],
        layers: [String: AdaptableLayers], dropout: LoRADropout, seed: UInt64, on backend: any Backend
    ) throws -> LoRANetwork {
        let entries = try targets.enumerated().map { index, target in
            guard let layer = layers[target.component]?[target.path] else {
                throw LoRANetworkError.noSuchLayer(component: target.component, path: target.path)
            }
            let (inputs, outputs, kernel) = layer.kind.dimensions
            let downShape = kernel == 1 ? [target.rank, inputs] : [target.rank, kernel, kernel, inputs]
            let bound = 1 / Float(inputs * kernel * kernel).squareRoot()
            var values = [Float](repeating: 0, count: downShape.reduce(1, *))
            values.withUnsafeMutableBufferPointer {
                Philox.fillUniform($0, seed: seed, stream: UInt32(index), offset: 0)
            }
            let down = backend.upload(values.map { ($0 * 2 - 1) * bound }, shape: downShape)
            let up = backend.zeros([outputs, target.rank])
            let module = LoRAModule(
                path: target.path, kind: layer.kind, down: down, up: up, alpha: target.alpha, dropout: dropout)
            return Entry(component: target.component, module: module)
        }
        return LoRANetwork(entries: entries)
    }

    /// Puts every module in its layer's adapter slot.
    public func attach(to layers: [String: AdaptableLayers]) throws {
        for entry in entries {
            guard let layer = layers[entry.component]?[entry.module.path] else {
                throw LoRANetworkError.noSuchLayer(component: entry.component, path: entry.module.path)
            }
            layer.slot.attach(entry.module)
        }
    }
}

extension AdaptableLayerKind {
    /// Input and output channels and the (square) kernel size; 1 for Linear layers.
    public var dimensions: (inputs: Int, outputs: Int, kernel: Int) {
        switch self {
        case .linear(let inputs, let outputs): (inputs, outputs, 1)
        case .convolution(let inputs, let outputs, let kernel, _, _): (inputs, outputs, kernel)
        }
    }
}

public enum LoRANetworkError: Error, CustomStringConvertible {
    case noSuchLayer(component: String, path: String)

    public var description: String {
        switch self {
        case .noSuchLayer(let component, let path): "the \(component) has no adaptable layer \(path)"
        }
    }
}

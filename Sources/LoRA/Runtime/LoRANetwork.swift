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

    /// Modules from a LoRA file's weights, in PyTorch layouts (`down [r, in]` or `[r, in, k, k]`, `up [out, r]` or
    /// `[out, r, 1, 1]`), checked against the layers they adapt and scaled by `multiplier`.
    public static func loaded(
        _ weights: [(component: String, path: String, down: PyTorchWeight, up: PyTorchWeight, alpha: Float?)],
        layers: [String: AdaptableLayers], multiplier: Float, on backend: any Backend
    ) throws -> LoRANetwork {
        let entries = try weights.map { weight in
            guard let layer = layers[weight.component]?[weight.path] else {
                throw LoRANetworkError.noSuchLayer(component: weight.component, path: weight.path)
            }
            let (inputs, outputs, kernel) = layer.kind.dimensions
            let rank = weight.down.shape.first ?? 0
            let downShape = kernel == 1 ? [rank, inputs] : [rank, inputs, kernel, kernel]
            let acceptedDown = kernel == 1 ? [downShape, [rank, inputs, 1, 1]] : [downShape]
            let acceptedUp = [[outputs, rank], [outputs, rank, 1, 1]]
            guard rank > 0, acceptedDown.contains(weight.down.shape), acceptedUp.contains(weight.up.shape) else {
                throw LoRANetworkError.shapeMismatch(
                    component: weight.component, path: weight.path, down: weight.down.shape, up: weight.up.shape,
                    expectedDown: downShape, expectedUp: [outputs, rank])
            }
            var down = backend.upload(weight.down.values, shape: weight.down.shape)
            down = kernel == 1 ? down.reshaped([rank, inputs]) : backend.permute(down, [0, 2, 3, 1])
            let up = backend.upload(weight.up.values, shape: [outputs, rank])
            let module = LoRAModule(
                path: weight.path, kind: layer.kind, down: down, up: up, alpha: weight.alpha ?? Float(rank),
                multiplier: multiplier)
            return Entry(component: weight.component, module: module)
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

/// A weight as PyTorch lays it out, as LoRA files store it.
public struct PyTorchWeight: Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for \(shape)")
        (self.shape, self.values) = (shape, values)
    }
}

public enum LoRANetworkError: Error, CustomStringConvertible {
    case noSuchLayer(component: String, path: String)
    case shapeMismatch(
        component: String, path: String, down: [Int], up: [Int], expectedDown: [Int], expectedUp: [Int])

    public var description: String {
        switch self {
        case .noSuchLayer(let component, let path):
            "the \(component) has no adaptable layer \(path)"
        case .shapeMismatch(let component, let path, let down, let up, let expectedDown, let expectedUp):
            "\(component) \(path): LoRA down \(down) and up \(up) do not fit the layer (expected down "
                + "\(expectedDown) and up \(expectedUp) for some rank)"
        }
    }
}

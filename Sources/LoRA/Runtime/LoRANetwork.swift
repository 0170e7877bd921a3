import Diffusion
import Foundation
import Tensors

/// The LoRA modules of one network over a pipeline's models (UNet and text encoders), each with its spec (layer,
/// kohya name, rank, alpha), ready to attach to the layers they adapt.
public final class LoRANetwork: @unchecked Sendable {
    public struct Entry: Sendable {
        public let spec: LoRAModuleSpec
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
        _ specs: [LoRAModuleSpec], layers: [ModelComponent: AdaptableLayers], dropout: LoRADropout, seed: UInt64,
        on backend: any Backend
    ) throws -> LoRANetwork {
        let entries = try specs.enumerated().map { index, spec in
            let layer = try Self.layer(spec.component, spec.path, in: layers)
            let (inputs, outputs, kernel) = layer.kind.dimensions
            let downShape = kernel == 1 ? [spec.rank, inputs] : [spec.rank, kernel, kernel, inputs]
            let bound = 1 / Float(inputs * kernel * kernel).squareRoot()
            var values = [Float](repeating: 0, count: downShape.reduce(1, *))
            values.withUnsafeMutableBufferPointer {
                Philox.fillUniform($0, seed: seed, stream: UInt32(index), offset: 0)
            }
            let down = backend.upload(values.map { ($0 * 2 - 1) * bound }, shape: downShape)
            let up = backend.zeros([outputs, spec.rank])
            let module = LoRAModule(
                path: spec.path, kind: layer.kind, down: down, up: up, alpha: spec.alpha, dropout: dropout)
            return Entry(spec: spec, module: module)
        }
        return LoRANetwork(entries: entries)
    }

    /// Modules from a LoRA file read against the model (`LoRAFileReader`), scaled by `multiplier`.
    public static func loaded(
        _ modules: [LoadedLoRAModule], layout: LoRAModelLayout, layers: [ModelComponent: AdaptableLayers],
        multiplier: Float, on backend: any Backend
    ) throws -> LoRANetwork {
        let entries = try modules.map { loaded in
            let layer = try Self.layer(loaded.component, loaded.path, in: layers)
            let (inputs, outputs, kernel) = layer.kind.dimensions
            let rank = loaded.rank
            guard loaded.down.count == rank * inputs * kernel * kernel, loaded.up.count == outputs * rank else {
                throw LoRANetworkError.shapeMismatch(
                    component: loaded.component, path: loaded.path, down: loaded.downShape, up: loaded.upShape)
            }
            var down = backend.upload(loaded.down, shape: kernel == 1 ? [rank, inputs] : loaded.downShape)
            if kernel > 1 { down = backend.permute(down, [0, 2, 3, 1]) }
            let up = backend.upload(loaded.up, shape: [outputs, rank])
            let alpha = loaded.alpha ?? Float(rank)
            let spec = LoRAModuleSpec(
                component: loaded.component, path: loaded.path,
                kohyaName: layout.kohyaName(loaded.component, loaded.path) ?? loaded.path, kind: loaded.kind,
                rank: rank, alpha: alpha)
            let module = LoRAModule(
                path: loaded.path, kind: layer.kind, down: down, up: up, alpha: alpha, multiplier: multiplier)
            return Entry(spec: spec, module: module)
        }
        return LoRANetwork(entries: entries)
    }

    /// Reads a LoRA file (kohya, LoCon or diffusers/peft) against `model` and attaches its modules at
    /// `multiplier`: what `lorad sample --lora FILE:WEIGHT` does.
    @discardableResult
    public static func attach(
        contentsOf url: URL, to model: StableDiffusionModel, multiplier: Float, on backend: any Backend
    ) throws -> LoRANetwork {
        let layout = try LoRAModelLayout(model)
        let file = try LoRAFileReader.read(contentsOf: url, layout: layout)
        let network = try loaded(
            file.modules, layout: layout, layers: model.adaptableLayers, multiplier: multiplier, on: backend)
        try network.attach(to: model.adaptableLayers)
        return network
    }

    /// Puts every module in its layer's adapter slot.
    public func attach(to layers: [ModelComponent: AdaptableLayers]) throws {
        for entry in entries {
            try Self.layer(entry.spec.component, entry.spec.path, in: layers).slot.attach(entry.module)
        }
    }

    private static func layer(
        _ component: ModelComponent, _ path: String, in layers: [ModelComponent: AdaptableLayers]
    ) throws -> AdaptableLayer {
        guard let layer = layers[component]?[path] else {
            throw LoRANetworkError.noSuchLayer(component: component, path: path)
        }
        return layer
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

extension StableDiffusionModel {
    /// The adaptable layers of the UNet and each text encoder, by pipeline component.
    public var adaptableLayers: [ModelComponent: AdaptableLayers] {
        var layers: [ModelComponent: AdaptableLayers] = [.unet: unet.adaptableLayers]
        for (index, encoder) in textEncoders.enumerated() {
            if let component = ModelComponent.textEncoder(at: index) { layers[component] = encoder.adaptableLayers }
        }
        return layers
    }

}

public enum LoRANetworkError: Error, CustomStringConvertible {
    case noSuchLayer(component: ModelComponent, path: String)
    case shapeMismatch(component: ModelComponent, path: String, down: [Int], up: [Int])

    public var description: String {
        switch self {
        case .noSuchLayer(let component, let path):
            "the \(component.rawValue) has no adaptable layer \(path)"
        case .shapeMismatch(let component, let path, let down, let up):
            "\(component.rawValue) \(path): LoRA down \(down) and up \(up) do not fit the layer"
        }
    }
}

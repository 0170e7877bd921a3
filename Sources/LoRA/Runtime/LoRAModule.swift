import Diffusion
import Tensors

/// kohya's dropouts of a training LoRA module (`networks/lora.py`, `LoRAModule.forward`); each probability in
/// [0, 1), 0 = off.
public struct LoRADropout: Hashable, Sendable {
    /// `network_dropout`: inverted dropout on the down projection's output.
    public var network: Float
    /// `rank_dropout`: drops whole ranks per sample, rescaling by 1/(1 − p).
    public var rank: Float
    /// `module_dropout`: skips the whole module for a step.
    public var module: Float

    public init(network: Float = 0, rank: Float = 0, module: Float = 0) {
        (self.network, self.rank, self.module) = (network, rank, module)
    }

    public static let none = LoRADropout()
    public var isActive: Bool { network > 0 || rank > 0 || module > 0 }
}

/// A LoRA (or, on a k×k convolution, LoCon) module at run time: the layer's output plus
/// `up(down(input)) · multiplier · alpha / rank`, as kohya's `LoRAModule` computes it.
///
/// Weights are channels-last like the models': `down` is `[rank, in]` for a Linear or a 1×1 convolution and
/// `[rank, k, k, in]` (OHWI) for a k×k convolution, which runs with the layer's stride and padding; `up` is
/// `[out, rank]` (kohya's 1×1 up convolution). The trainer replaces them after every optimizer step.
public final class LoRAModule: LayerAdapter, @unchecked Sendable {
    public let path: String
    public let kind: AdaptableLayerKind
    public let rank: Int
    public let alpha: Float
    public var multiplier: Float
    public var down: Tensor
    public var up: Tensor
    /// Applied only while a `GradientTape` records (training); sampling never drops.
    public var dropout: LoRADropout

    /// The Philox stream of dropout draws; offsets come from the recording tape.
    static let dropoutStream: UInt32 = 16

    public init(
        path: String, kind: AdaptableLayerKind, down: Tensor, up: Tensor, alpha: Float, multiplier: Float = 1,
        dropout: LoRADropout = .none
    ) {
        let rank = down.shape[0]
        precondition(up.rank == 2 && up.shape[1] == rank, "LoRA \(path): up \(up) for down \(down)")
        (self.path, self.kind, self.rank, self.alpha) = (path, kind, rank, alpha)
        (self.down, self.up, self.multiplier, self.dropout) = (down, up, multiplier, dropout)
    }

    public var scale: Float { multiplier * alpha / Float(rank) }

    public func adapt(input: Tensor, output: Tensor, backend: any Backend) -> Tensor {
        let tape = (backend as? GradientTape).flatMap { $0.isRecording && dropout.isActive ? $0 : nil }
        if let tape, dropout.module > 0, Self.uniform(tape) < dropout.module { return output }

        var hidden: Tensor
        switch kind {
        case .convolution(_, _, let kernel, let stride, let padding) where kernel > 1 || stride > 1 || padding != .zero:
            hidden = backend.conv2d(input, weight: down, bias: nil, stride: stride, padding: padding)
        default:
            // Linear layers and 1×1 convolutions are the same product over the channels-last dimension.
            hidden = backend.linear(input, weight: down.reshaped([rank, -1]), bias: nil)
        }
        if let tape, dropout.network > 0 {
            hidden = backend.multiply(hidden, mask(hidden.shape, dropout.network, tape, backend))
        }
        if let tape, dropout.rank > 0 {
            // One draw per sample and rank, shared over positions; the mask's 1/(1 − p) is kohya's rescaled scale.
            var shape = [Int](repeating: 1, count: hidden.rank)
            (shape[0], shape[hidden.rank - 1]) = (hidden.shape[0], rank)
            hidden = backend.multiply(hidden, mask(shape, dropout.rank, tape, backend))
        }
        let change = backend.linear(hidden, weight: up, bias: nil)
        return backend.linearCombination([(1, output), (scale, change)])
    }

    private func mask(_ shape: [Int], _ probability: Float, _ tape: GradientTape, _ backend: any Backend) -> Tensor {
        let offset = tape.reserveRandom(Tensor.elementCount(of: shape))
        return backend.dropoutMask(
            shape, dropProbability: probability, seed: tape.randomSeed, stream: Self.dropoutStream, offset: offset)
    }

    private static func uniform(_ tape: GradientTape) -> Float {
        var value: Float = 0
        withUnsafeMutablePointer(to: &value) {
            Philox.fillUniform(
                UnsafeMutableBufferPointer(start: $0, count: 1), seed: tape.randomSeed, stream: dropoutStream,
                offset: tape.reserveRandom(1))
        }
        return value
    }
}

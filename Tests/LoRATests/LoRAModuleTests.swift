import Diffusion
import Testing

@testable import LoRA
@testable import Tensors

/// kohya's `LoRAModule.forward` (`networks/lora.py`) on one layer, against naive double-precision loops; the whole
/// network against PyTorch is the training-step golden test.
struct LoRAModuleTests {
    let base = CPUBackend()

    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { Philox.fillUniform($0, seed: seed, stream: 5, offset: 0) }
        return out.map { ($0 * 2 - 1) * scale }
    }

    /// `x [rows, in] · wᵀ` for `w [out, in]`, in double.
    static func product(_ x: [Float], _ w: [Float], rows: Int, in inputs: Int, out outputs: Int) -> [Double] {
        (0..<rows * outputs).map { index in
            let (r, o) = (index / outputs, index % outputs)
            return (0..<inputs).reduce(0.0) { $0 + Double(x[r * inputs + $1]) * Double(w[o * inputs + $1]) }
        }
    }

    func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5) {
        #expect(actual.count == expected.count)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) / (1 + abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "worst relative error \(worst)")
    }

    @Test func linearModuleAddsTheScaledLowRankProduct() {
        let (rows, inputs, outputs, rank) = (5, 6, 4, 3)
        let (x, down, up) = (
            Self.values(rows * inputs, seed: 1), Self.values(rank * inputs, seed: 2),
            Self.values(outputs * rank, seed: 3)
        )
        let frozen = Self.values(rows * outputs, seed: 4)
        let module = LoRAModule(
            path: "layer", kind: .linear(inFeatures: inputs, outFeatures: outputs),
            down: base.upload(down, shape: [rank, inputs]), up: base.upload(up, shape: [outputs, rank]), alpha: 2,
            multiplier: 0.75)
        let output = module.adapt(
            input: base.upload(x, shape: [rows, inputs]), output: base.upload(frozen, shape: [rows, outputs]),
            backend: base)
        let hidden = Self.product(x, down, rows: rows, in: inputs, out: rank).map(Float.init)
        let change = Self.product(hidden, up, rows: rows, in: rank, out: outputs)
        let scale = 0.75 * 2 / 3.0
        expectClose(base.download(output), zip(frozen, change).map { Double($0) + scale * $1 })
    }

    /// LoCon on a strided, padded 3×3 convolution: the down projection is a convolution with the layer's stride and
    /// padding, the up projection a 1×1 convolution.
    @Test func convolutionModuleUsesTheLayersStrideAndPadding() {
        let (height, width, inputs, outputs, rank) = (5, 6, 3, 4, 2)
        let padding = Padding2D(top: 1, left: 1, bottom: 1, right: 1)
        let x = Self.values(height * width * inputs, seed: 5)
        let down = Self.values(rank * 9 * inputs, seed: 6)
        let up = Self.values(outputs * rank, seed: 7)
        let (outHeight, outWidth) = (3, 3)
        let frozen = [Float](repeating: 0, count: outHeight * outWidth * outputs)
        let module = LoRAModule(
            path: "conv",
            kind: .convolution(inChannels: inputs, outChannels: outputs, kernelSize: 3, stride: 2, padding: padding),
            down: base.upload(down, shape: [rank, 3, 3, inputs]), up: base.upload(up, shape: [outputs, rank]), alpha: 1)
        let output = module.adapt(
            input: base.upload(x, shape: [1, height, width, inputs]),
            output: base.upload(frozen, shape: [1, outHeight, outWidth, outputs]), backend: base)
        var expected = [Double]()
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                var hidden = [Double](repeating: 0, count: rank)
                for r in 0..<rank {
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let (iy, ix) = (oy * 2 + ky - 1, ox * 2 + kx - 1)
                            guard (0..<height).contains(iy), (0..<width).contains(ix) else { continue }
                            for c in 0..<inputs {
                                hidden[r] +=
                                    Double(x[(iy * width + ix) * inputs + c])
                                    * Double(down[((r * 3 + ky) * 3 + kx) * inputs + c])
                            }
                        }
                    }
                }
                for o in 0..<outputs {
                    expected.append((0..<rank).reduce(0.0) { $0 + hidden[$1] * Double(up[o * rank + $1]) } / 2)
                }
            }
        }
        expectClose(base.download(output), expected)
    }

    @Test func gradientsOfDownAndUpFollowTheChainRule() {
        let tape = GradientTape(base)
        let (rows, inputs, outputs, rank) = (4, 5, 3, 2)
        let (x, down, up, g) = (
            Self.values(rows * inputs, seed: 8), Self.values(rank * inputs, seed: 9),
            Self.values(outputs * rank, seed: 10), Self.values(rows * outputs, seed: 11)
        )
        let module = LoRAModule(
            path: "layer", kind: .linear(inFeatures: inputs, outFeatures: outputs),
            down: tape.parameter(tape.upload(down, shape: [rank, inputs])),
            up: tape.parameter(tape.upload(up, shape: [outputs, rank])), alpha: 1)
        let y = tape.record {
            module.adapt(
                input: tape.upload(x, shape: [rows, inputs]), output: tape.zeros([rows, outputs]), backend: tape)
        }
        tape.backward(from: y, gradient: tape.upload(g, shape: [rows, outputs]))
        let scale = 0.5
        let hidden = Self.product(x, down, rows: rows, in: inputs, out: rank)
        // ∂up = s·Gᵀh; ∂down = s·(G·up)ᵀx.
        let upGradient = (0..<outputs * rank).map { index in
            (0..<rows).reduce(0.0) {
                $0 + scale * Double(g[$1 * outputs + index / rank]) * hidden[$1 * rank + index % rank]
            }
        }
        let hiddenGradient = (0..<rows * rank).map { index in
            (0..<outputs).reduce(0.0) {
                $0 + Double(g[index / rank * outputs + $1]) * Double(up[$1 * rank + index % rank])
            }
        }
        let downGradient = (0..<rank * inputs).map { index in
            (0..<rows).reduce(0.0) {
                $0 + scale * hiddenGradient[$1 * rank + index / inputs] * Double(x[$1 * inputs + index % inputs])
            }
        }
        expectClose(base.download(tape.gradient(of: module.up)!), upGradient)
        expectClose(base.download(tape.gradient(of: module.down)!), downGradient)
    }

    /// Dropouts apply only while a tape records: network dropout zeroes elements of the down projection's output
    /// (the rest scaled by 1/(1−p)), rank dropout whole ranks per sample, module dropout the whole module.
    @Test func dropoutsActOnlyWhileTraining() {
        let tape = GradientTape(base)
        tape.setRandom(seed: 7, offset: 0)
        let (rows, inputs, rank) = (64, 4, 8)
        // down = identity-like selection so that the hidden values are known: hidden[r, k] = x[r, k % inputs].
        var down = [Float](repeating: 0, count: rank * inputs)
        for k in 0..<rank { down[k * inputs + k % inputs] = 1 }
        var up = [Float](repeating: 0, count: rank * rank)
        for k in 0..<rank { up[k * rank + k] = 1 }
        let x = tape.upload([Float](repeating: 1, count: rows * inputs), shape: [1, rows, inputs])
        func output(_ dropout: LoRADropout, recording: Bool) -> [Float] {
            let module = LoRAModule(
                path: "layer", kind: .linear(inFeatures: inputs, outFeatures: rank),
                down: tape.upload(down, shape: [rank, inputs]), up: tape.upload(up, shape: [rank, rank]),
                alpha: Float(rank), dropout: dropout)
            let zero = tape.zeros([1, rows, rank])
            let run = { module.adapt(input: x, output: zero, backend: tape) }
            return tape.download(recording ? tape.record(run) : run())
        }
        #expect(Set(output(LoRADropout(network: 0.5, rank: 0.5, module: 0.5), recording: false)) == [1])

        let network = output(LoRADropout(network: 0.25), recording: true)
        #expect(Set(network).isSubset(of: [0, Float(1) / 0.75]))
        let dropped = Double(network.filter { $0 == 0 }.count) / Double(network.count)
        #expect(abs(dropped - 0.25) < 0.06, "dropped \(dropped) of the elements")

        // Rank dropout: each rank is dropped for every position of the sample, or for none.
        let ranks = output(LoRADropout(rank: 0.5), recording: true)
        for k in 0..<rank {
            let column = Set((0..<rows).map { ranks[$0 * rank + k] })
            #expect(column == [0] || column == [2])
        }

        let skipped = (0..<200).filter { _ in output(LoRADropout(module: 0.3), recording: true).allSatisfy { $0 == 0 } }
        #expect(abs(Double(skipped.count) / 200 - 0.3) < 0.1, "skipped \(skipped.count) of 200")
        tape.discardRecord()
    }
}

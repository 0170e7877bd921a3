import Testing
import Tensors

/// The backward ops on shapes large enough to be split over threads and blocks give bit-identical results on every
/// run: their sums have fixed boundaries and orders, whatever the thread timing.
struct GradientDeterminismTests {
    let backend = CPUBackend()

    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        backend.randomNormal(shape, dtype: .float32, seed: seed, stream: 0, offset: 0)
    }

    /// Runs `op` twice and expects the same bits.
    func expectRepeatable(_ label: String, _ op: () -> [Tensor]) {
        let (first, second) = (op(), op())
        for (a, b) in zip(first, second) {
            let (x, y) = (backend.download(a), backend.download(b))
            #expect(x.map(\.bitPattern) == y.map(\.bitPattern), "\(label): two runs differ")
        }
    }

    @Test func backwardOpsAreBitIdenticalAcrossRuns() {
        let image = random([2, 48, 40, 32], seed: 1)
        let weight = random([32, 3, 3, 32], seed: 2)
        let gradient = random([2, 24, 20, 32], seed: 3)
        expectRepeatable("conv2d gradients") {
            [
                backend.conv2dBackwardInput(
                    gradient, weight: weight, inputShape: image.shape, stride: 2, padding: .uniform(1)),
                backend.conv2dBackwardWeight(
                    gradient, input: image, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .uniform(1)),
            ]
        }
        let activations = random([2, 48, 40, 32], seed: 4)
        let upstream = random([2, 48, 40, 32], seed: 5)
        expectRepeatable("group norm gradients") {
            let result = backend.groupNormBackward(
                upstream, input: activations, groups: 8, weight: random([32], seed: 6), bias: random([32], seed: 7),
                eps: 1e-6, activation: .silu, parameterGradients: true)
            return [result.input, result.weight!, result.bias!]
        }
        expectRepeatable("layer norm gradients") {
            let result = backend.layerNormBackward(
                upstream.reshaped([-1, 64]), input: activations.reshaped([-1, 64]), weight: random([64], seed: 8),
                bias: random([64], seed: 9), eps: 1e-5, parameterGradients: true)
            return [result.input, result.weight!, result.bias!]
        }
        expectRepeatable("sums") {
            [
                backend.sum(upstream, toShape: [32]), backend.sum(upstream, toShape: [2, 1, 1, 32]),
                backend.sum(upstream, toShape: []), backend.sum(upstream, toShape: [48, 1, 1]),
            ]
        }
        let query = random([2, 300, 64], seed: 10)
        let key = random([2, 200, 64], seed: 11)
        expectRepeatable("attention gradients") {
            let result = backend.attentionBackward(
                query, query: query, key: key, value: random([2, 200, 64], seed: 12), heads: 2, causal: true)
            return [result.query, result.key, result.value]
        }
        expectRepeatable("upsample and scatter gradients") {
            [
                backend.upsampleNearestBackward(upstream, inputHeight: 23, inputWidth: 17),
                backend.scatterAddRows(
                    upstream.reshaped([96, -1]), rows: (0..<96).map { $0 * 7 % 10 }, count: 10),
            ]
        }
    }
}

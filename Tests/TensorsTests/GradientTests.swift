import Foundation
import Testing
@testable import Tensors

/// Every backward op against (1) a naive double-precision loop of its analytic gradient and (2) central finite
/// differences of a naive double-precision forward (`Naive`), on small odd shapes. The f32 results are held to
/// rtol 1e-4 / atol 1e-5 of both references: f32 rounding of sums of a few hundred terms, nothing more.
struct GradientTests {
    let backend = CPUBackend()

    func upload(_ values: [Double], _ shape: [Int]) -> Tensor { backend.upload(values.map(Float.init), shape: shape) }

    /// Inputs as f32-representable doubles, so that the f32 op and the double references see the same numbers.
    func values(_ count: Int, seed: UInt64, scale: Float = 1, offset: Float = 0) -> [Double] {
        Reference.values(count, seed: seed, scale: scale).map { Double($0 + offset) }
    }

    func expectClose(
        _ actual: Tensor?, _ expected: [Double], shape: [Int], _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let actual else {
            Issue.record("\(label): no tensor", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.shape == shape, "\(label): shape \(actual.shape), expected \(shape)", sourceLocation: sourceLocation)
        guard actual.elementCount == expected.count else { return }
        let ratio = Reference.worstRatio(backend.download(actual), expected, rtol: 1e-4, atol: 1e-5)
        #expect(ratio <= 1, "\(label): worst error is \(ratio)× the tolerance", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ([2, 3, 4, 5], [5]), ([2, 3, 4, 5], [2, 1, 1, 5]), ([2, 3, 4, 5], [1]), ([2, 3, 4, 5], []),
        ([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [2, 3, 4, 5]), ([5, 1, 7], [1, 1, 7]), ([1, 6], [6]),
        ([3, 4100], [1, 4100]), ([4100, 3], [4100, 1]), ([3, 2100, 3], [1, 2100, 3]), ([300, 257], [257]),
    ])
    func sumReducesTheBroadcastDimensions(shape: [Int], target: [Int]) {
        let x = values(shape.reduce(1, *), seed: 11)
        let out = backend.sum(upload(x, shape), toShape: target)
        var expected = [Double](repeating: 0, count: target.reduce(1, *))
        Naive.forEachBroadcast(shape, target) { index, source in expected[source] += x[index] }
        expectClose(out, expected, shape: target, "sum to \(target)")

        // The op is the gradient of broadcasting an operand of `target` in `add`, with upstream gradient x.
        guard expected.count * x.count <= 20_000 else { return }
        let a = values(x.count, seed: 12)
        let numeric = Naive.numericGradient(at: values(expected.count, seed: 13), upstream: x) { b in
            var sum = a
            Naive.forEachBroadcast(shape, target) { index, source in sum[index] += b[source] }
            return sum
        }
        expectClose(out, numeric, shape: target, "sum to \(target) against finite differences")
    }

    @Test(arguments: [
        Naive.Convolution(
            batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 4, kernel: 3, stride: 2,
            padding: Padding2D(top: 1, left: 0, bottom: 2, right: 1)),
        Naive.Convolution(
            batch: 1, height: 6, width: 5, inChannels: 5, outChannels: 3, kernel: 3, stride: 1, padding: .uniform(1)),
        Naive.Convolution(
            batch: 2, height: 5, width: 7, inChannels: 3, outChannels: 2, kernel: 1, stride: 1, padding: .zero),
        Naive.Convolution(
            batch: 1, height: 7, width: 7, inChannels: 4, outChannels: 3, kernel: 1, stride: 2, padding: .zero),
        Naive.Convolution(
            batch: 1, height: 8, width: 6, inChannels: 2, outChannels: 3, kernel: 3, stride: 2,
            padding: Padding2D(top: 0, left: 0, bottom: 1, right: 1)),
        Naive.Convolution(
            batch: 1, height: 4, width: 5, inChannels: 3, outChannels: 2, kernel: 3, stride: 1,
            padding: Padding2D(top: 2, left: 1, bottom: 0, right: 3)),
    ])
    func convolutionGradients(geometry g: Naive.Convolution) {
        let x = values(g.inputShape.reduce(1, *), seed: 21)
        let w = values(g.weightShape.reduce(1, *), seed: 22, scale: 0.5)
        let dy = values(g.outputShape.reduce(1, *), seed: 23)
        let dx = backend.conv2dBackwardInput(
            upload(dy, g.outputShape), weight: upload(w, g.weightShape), inputShape: g.inputShape, stride: g.stride,
            padding: g.padding)
        let dw = backend.conv2dBackwardWeight(
            upload(dy, g.outputShape), input: upload(x, g.inputShape), kernelHeight: g.kernel, kernelWidth: g.kernel,
            stride: g.stride, padding: g.padding)
        expectClose(dx, g.inputGradient(dy, w), shape: g.inputShape, "conv2d input gradient")
        expectClose(dw, g.weightGradient(dy, x), shape: g.weightShape, "conv2d weight gradient")
        // One output row (pixel) per column buffer: the terms of an element then come from several chunks.
        let rowChunks = backend.conv2dBackwardInput(
            upload(dy, g.outputShape), weight: upload(w, g.weightShape), inputShape: g.inputShape, stride: g.stride,
            padding: g.padding, chunkBytes: 1)
        let pixelChunks = backend.conv2dBackwardWeight(
            upload(dy, g.outputShape), input: upload(x, g.inputShape), kernelHeight: g.kernel, kernelWidth: g.kernel,
            stride: g.stride, padding: g.padding, chunkBytes: 1)
        expectClose(rowChunks, g.inputGradient(dy, w), shape: g.inputShape, "conv2d input gradient by rows")
        expectClose(pixelChunks, g.weightGradient(dy, x), shape: g.weightShape, "conv2d weight gradient by pixels")
        expectClose(
            dx, Naive.numericGradient(at: x, upstream: dy) { g.forward($0, w) }, shape: g.inputShape,
            "conv2d input gradient against finite differences")
        expectClose(
            dw, Naive.numericGradient(at: w, upstream: dy) { g.forward(x, $0) }, shape: g.weightShape,
            "conv2d weight gradient against finite differences")
    }

    @Test(arguments: [
        ([2, 5, 3, 6], 3, Activation?.some(.silu)), ([1, 7, 4], 2, nil), ([3, 2, 2, 8], 4, .gelu),
        ([2, 3, 5, 6], 1, .quickGELU), ([1, 3, 5], 5, .silu),
        // Enough elements per sample for several blocks of sums (finite differences skipped there).
        ([2, 64, 33, 20], 4, .silu),
    ])
    func groupNormGradients(shape: [Int], groups: Int, activation: Activation?) {
        let channels = shape.last!
        let count = shape.reduce(1, *)
        let (x, dy) = (values(count, seed: 31, scale: 2, offset: 0.7), values(count, seed: 32))
        let gamma = values(channels, seed: 33, scale: 0.5, offset: 1)
        let beta = values(channels, seed: 34, scale: 0.5)
        let eps = 1e-5
        let members = Naive.groupMembers(
            samples: shape[0], positions: count / (shape[0] * channels), channels: channels, groups: groups)
        func forward(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> [Double] {
            Naive.normalization(
                x, members: members, channels: channels, gamma: gamma, beta: beta, eps: eps, activation: activation)
        }
        let expected = Naive.normalizationBackward(
            dy, x, members: members, channels: channels, gamma: gamma, beta: beta, eps: eps, activation: activation)

        for parameterGradients in [true, false] {
            let result = backend.groupNormBackward(
                upload(dy, shape), input: upload(x, shape), groups: groups, weight: upload(gamma, [channels]),
                bias: upload(beta, [channels]), eps: Float(eps), activation: activation,
                parameterGradients: parameterGradients)
            expectClose(result.input, expected.dx, shape: shape, "group norm input gradient")
            guard parameterGradients else {
                #expect(result.weight == nil && result.bias == nil, "frozen group norm returned parameter gradients")
                continue
            }
            expectClose(result.weight, expected.dgamma, shape: [channels], "group norm weight gradient")
            expectClose(result.bias, expected.dbeta, shape: [channels], "group norm bias gradient")
            guard count <= 1000 else { continue }
            expectClose(
                result.input, Naive.numericGradient(at: x, upstream: dy) { forward($0, gamma, beta) }, shape: shape,
                "group norm input gradient against finite differences")
            expectClose(
                result.weight, Naive.numericGradient(at: gamma, upstream: dy) { forward(x, $0, beta) },
                shape: [channels], "group norm weight gradient against finite differences")
            expectClose(
                result.bias, Naive.numericGradient(at: beta, upstream: dy) { forward(x, gamma, $0) },
                shape: [channels], "group norm bias gradient against finite differences")
        }
    }

    @Test(arguments: [([3, 7], true), ([2, 3, 10], false), ([5, 1], true), ([600, 130], true)])
    func layerNormGradients(shape: [Int], hasBias: Bool) {
        let width = shape.last!
        let count = shape.reduce(1, *)
        let (x, dy) = (values(count, seed: 41, scale: 1.5, offset: -0.4), values(count, seed: 42))
        let gamma = values(width, seed: 43, scale: 0.5, offset: 1)
        let beta = hasBias ? values(width, seed: 44, scale: 0.5) : [Double](repeating: 0, count: width)
        let eps = 1e-5
        let members = Naive.rowMembers(count: count, width: width)
        func forward(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> [Double] {
            Naive.normalization(x, members: members, channels: width, gamma: gamma, beta: beta, eps: eps, activation: nil)
        }
        let expected = Naive.normalizationBackward(
            dy, x, members: members, channels: width, gamma: gamma, beta: beta, eps: eps, activation: nil)
        let result = backend.layerNormBackward(
            upload(dy, shape), input: upload(x, shape), weight: upload(gamma, [width]),
            bias: hasBias ? upload(beta, [width]) : nil, eps: Float(eps), parameterGradients: true)
        expectClose(result.input, expected.dx, shape: shape, "layer norm input gradient")
        expectClose(result.weight, expected.dgamma, shape: [width], "layer norm weight gradient")
        if hasBias { expectClose(result.bias, expected.dbeta, shape: [width], "layer norm bias gradient") }
        let frozen = backend.layerNormBackward(
            upload(dy, shape), input: upload(x, shape), weight: upload(gamma, [width]),
            bias: hasBias ? upload(beta, [width]) : nil, eps: Float(eps), parameterGradients: false)
        #expect(frozen.weight == nil && frozen.bias == nil, "frozen layer norm returned parameter gradients")
        expectClose(frozen.input, expected.dx, shape: shape, "frozen layer norm input gradient")
        if !hasBias { #expect(result.bias == nil, "layer norm without bias returned a bias gradient") }

        // Several blocks of rows for the larger shape; finite differences only on the small ones.
        guard count <= 1000 else { return }
        expectClose(
            result.input, Naive.numericGradient(at: x, upstream: dy) { forward($0, gamma, beta) }, shape: shape,
            "layer norm input gradient against finite differences")
        expectClose(
            result.weight, Naive.numericGradient(at: gamma, upstream: dy) { forward(x, $0, beta) }, shape: [width],
            "layer norm weight gradient against finite differences")
        if hasBias {
            expectClose(
                result.bias, Naive.numericGradient(at: beta, upstream: dy) { forward(x, gamma, $0) }, shape: [width],
                "layer norm bias gradient against finite differences")
        }
    }

    @Test(arguments: [Activation.silu, .gelu, .quickGELU])
    func activationGradients(kind: Activation) {
        let shape = [3, 17]
        let (x, dy) = (values(51, seed: 51, scale: 6), values(51, seed: 52))
        let dx = backend.activationBackward(upload(dy, shape), input: upload(x, shape), kind)
        expectClose(dx, zip(x, dy).map { Naive.activationDerivative(kind, $0) * $1 }, shape: shape, "\(kind)′")
        expectClose(
            dx, Naive.numericGradient(at: x, upstream: dy) { $0.map { Naive.activation(kind, $0) } }, shape: shape,
            "\(kind)′ against finite differences")
    }

    @Test func gegluGradient() {
        let (shape, width) = ([2, 3, 10], 5)
        let (x, dy) = (values(60, seed: 61, scale: 3), values(30, seed: 62))
        let dx = backend.gegluBackward(upload(dy, [2, 3, width]), input: upload(x, shape))
        expectClose(dx, Naive.gegluBackward(dy, x, width: width), shape: shape, "geglu gradient")
        expectClose(
            dx, Naive.numericGradient(at: x, upstream: dy) { Naive.geglu($0, width: width) }, shape: shape,
            "geglu gradient against finite differences")
    }

    @Test(arguments: [
        Naive.Attention(batch: 2, queries: 5, keys: 5, heads: 1, headWidth: 4, causal: false),
        Naive.Attention(batch: 1, queries: 6, keys: 6, heads: 2, headWidth: 3, causal: true),
        Naive.Attention(batch: 2, queries: 4, keys: 7, heads: 3, headWidth: 2, causal: false),
        Naive.Attention(batch: 1, queries: 5, keys: 3, heads: 2, headWidth: 4, causal: true),
        Naive.Attention(batch: 1, queries: 3, keys: 6, heads: 3, headWidth: 3, causal: true),
    ])
    func attentionGradients(attention a: Naive.Attention) {
        let (queryShape, keyShape) = ([a.batch, a.queries, a.width], [a.batch, a.keys, a.width])
        let q = values(queryShape.reduce(1, *), seed: 71, scale: 1.5)
        let k = values(keyShape.reduce(1, *), seed: 72, scale: 1.5)
        let v = values(keyShape.reduce(1, *), seed: 73)
        let dO = values(queryShape.reduce(1, *), seed: 74)
        let result = backend.attentionBackward(
            upload(dO, queryShape), query: upload(q, queryShape), key: upload(k, keyShape), value: upload(v, keyShape),
            heads: a.heads, causal: a.causal)
        let expected = a.backward(dO, q, k, v)
        expectClose(result.query, expected.dq, shape: queryShape, "attention query gradient")
        expectClose(result.key, expected.dk, shape: keyShape, "attention key gradient")
        expectClose(result.value, expected.dv, shape: keyShape, "attention value gradient")
        // One query row per chunk: dK and dV then add up the terms of every chunk.
        let byRows = backend.attentionBackward(
            upload(dO, queryShape), query: upload(q, queryShape), key: upload(k, keyShape), value: upload(v, keyShape),
            heads: a.heads, causal: a.causal, chunkBytes: 1)
        expectClose(byRows.query, expected.dq, shape: queryShape, "attention query gradient by rows")
        expectClose(byRows.key, expected.dk, shape: keyShape, "attention key gradient by rows")
        expectClose(byRows.value, expected.dv, shape: keyShape, "attention value gradient by rows")
        expectClose(
            result.query, Naive.numericGradient(at: q, upstream: dO) { a.forward($0, k, v) }, shape: queryShape,
            "attention query gradient against finite differences")
        expectClose(
            result.key, Naive.numericGradient(at: k, upstream: dO) { a.forward(q, $0, v) }, shape: keyShape,
            "attention key gradient against finite differences")
        expectClose(
            result.value, Naive.numericGradient(at: v, upstream: dO) { a.forward(q, k, $0) }, shape: keyShape,
            "attention value gradient against finite differences")
    }

    @Test(arguments: [([2, 4, 5, 3], 7, 9), ([1, 3, 3, 2], 6, 6), ([1, 5, 4, 1], 3, 2), ([1, 4, 4, 2], 4, 4)])
    func upsampleNearestGradient(shape: [Int], height: Int, width: Int) {
        let outShape = [shape[0], height, width, shape[3]]
        let dy = values(outShape.reduce(1, *), seed: 81)
        let dx = backend.upsampleNearestBackward(upload(dy, outShape), inputHeight: shape[1], inputWidth: shape[2])
        var expected = [Double](repeating: 0, count: shape.reduce(1, *))
        Naive.forEachNearestCopy(shape, height: height, width: width) { o, i in expected[i] += dy[o] }
        expectClose(dx, expected, shape: shape, "nearest upsample gradient")
        let numeric = Naive.numericGradient(at: values(expected.count, seed: 82), upstream: dy) { x in
            var out = [Double](repeating: 0, count: dy.count)
            Naive.forEachNearestCopy(shape, height: height, width: width) { o, i in out[o] = x[i] }
            return out
        }
        expectClose(dx, numeric, shape: shape, "nearest upsample gradient against finite differences")
    }

    @Test func scatterAddRowsIsTheGradientOfGatherRows() {
        let (rows, count, rowShape) = ([3, 0, 3, 4, 1, 3], 6, [2, 3])
        let width = rowShape.reduce(1, *)
        let dy = values(rows.count * width, seed: 91)
        let out = backend.scatterAddRows(upload(dy, [rows.count] + rowShape), rows: rows, count: count)
        var expected = [Double](repeating: 0, count: count * width)
        for (i, row) in rows.enumerated() { for j in 0..<width { expected[row * width + j] += dy[i * width + j] } }
        expectClose(out, expected, shape: [count] + rowShape, "scatterAddRows")
        let numeric = Naive.numericGradient(at: values(count * width, seed: 92), upstream: dy) { table in
            rows.flatMap { table[($0 * width)..<(($0 + 1) * width)] }
        }
        expectClose(out, numeric, shape: [count] + rowShape, "scatterAddRows against finite differences of gatherRows")
    }
}

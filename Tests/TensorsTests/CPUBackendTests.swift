import Foundation
import Testing
@testable import Tensors

/// Every CPU op against a naive double-precision loop (rung 1 of the correctness ladder). f32 results are held to
/// rtol 1e-5 / atol 1e-5 unless a test says otherwise: BLAS may sum in another order, nothing more.
struct CPUBackendTests {
    let backend = CPUBackend()

    func check(_ actual: Tensor, _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-5) {
        let ratio = Reference.worstRatio(backend.download(actual), expected, rtol: rtol, atol: atol)
        #expect(ratio <= 1, "worst error is \(ratio)× the tolerance")
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulMatchesNaiveProduct(transposeA: Bool, transposeB: Bool) {
        let (batch, m, k, n) = (3, 5, 7, 4)
        let a = Reference.values(batch * m * k, seed: 1)
        let b = Reference.values(batch * k * n, seed: 2)
        let ta = backend.upload(a, shape: transposeA ? [batch, k, m] : [batch, m, k])
        let tb = backend.upload(b, shape: transposeB ? [batch, n, k] : [batch, k, n])
        var expected = [Double]()
        for i in 0..<batch {
            for r in 0..<m {
                for c in 0..<n {
                    var sum = 0.0
                    for j in 0..<k {
                        let x = transposeA ? a[i * k * m + j * m + r] : a[i * m * k + r * k + j]
                        let y = transposeB ? b[i * n * k + c * k + j] : b[i * k * n + j * n + c]
                        sum += Double(x) * Double(y)
                    }
                    expected.append(sum)
                }
            }
        }
        let product = backend.matmul(ta, tb, transposeA: transposeA, transposeB: transposeB)
        #expect(product.shape == [batch, m, n])
        check(product, expected)
    }

    @Test func linearAddsBiasPerOutput() {
        let (rows, inFeatures, outFeatures) = (6, 5, 3)
        let x = Reference.values(rows * inFeatures, seed: 3)
        let w = Reference.values(outFeatures * inFeatures, seed: 4)
        let b = Reference.values(outFeatures, seed: 5)
        let out = backend.linear(
            backend.upload(x, shape: [2, 3, inFeatures]), weight: backend.upload(w, shape: [outFeatures, inFeatures]),
            bias: backend.upload(b, shape: [outFeatures]))
        #expect(out.shape == [2, 3, outFeatures])
        var expected = [Double]()
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(b[o])
                for i in 0..<inFeatures { sum += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i]) }
                expected.append(sum)
            }
        }
        check(out, expected)
    }

    @Test(arguments: [
        (3, 1, Padding2D.uniform(1)), (3, 2, Padding2D.uniform(1)), (3, 2, Padding2D(top: 0, left: 0, bottom: 1, right: 1)),
        (1, 1, Padding2D.zero), (1, 2, Padding2D.zero), (2, 1, Padding2D(top: 1, left: 0, bottom: 0, right: 1)),
    ])
    func conv2dMatchesDirectConvolution(kernel: Int, stride: Int, padding: Padding2D) {
        let (n, h, w, cin, cout) = (2, 7, 5, 3, 4)
        let x = Reference.values(n * h * w * cin, seed: 6)
        let weight = Reference.values(cout * kernel * kernel * cin, seed: 7)
        let bias = Reference.values(cout, seed: 8)
        let out = backend.conv2d(
            backend.upload(x, shape: [n, h, w, cin]), weight: backend.upload(weight, shape: [cout, kernel, kernel, cin]),
            bias: backend.upload(bias, shape: [cout]), stride: stride, padding: padding)
        let ho = (h + padding.top + padding.bottom - kernel) / stride + 1
        let wo = (w + padding.left + padding.right - kernel) / stride + 1
        #expect(out.shape == [n, ho, wo, cout])
        var expected = [Double]()
        for b in 0..<n {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    for o in 0..<cout {
                        var sum = Double(bias[o])
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let (iy, ix) = (oy * stride - padding.top + ky, ox * stride - padding.left + kx)
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for c in 0..<cin {
                                    sum += Double(x[((b * h + iy) * w + ix) * cin + c])
                                        * Double(weight[((o * kernel + ky) * kernel + kx) * cin + c])
                                }
                            }
                        }
                        expected.append(sum)
                    }
                }
            }
        }
        check(out, expected)
    }

    @Test(arguments: [Activation?.none, .silu])
    func groupNormNormalisesEachGroup(activation: Activation?) {
        let (n, positions, channels, groups) = (2, 10, 6, 3)
        // A large common offset checks that the variance does not cancel catastrophically.
        let x = Reference.values(n * positions * channels, seed: 9).map { $0 * 3 + 100 }
        let gamma = Reference.values(channels, seed: 10)
        let beta = Reference.values(channels, seed: 11)
        let out = backend.groupNorm(
            backend.upload(x, shape: [n, 2, 5, channels]), groups: groups, weight: backend.upload(gamma, shape: [channels]),
            bias: backend.upload(beta, shape: [channels]), eps: 1e-5, activation: activation)
        let perGroup = channels / groups
        var expected = [Double](repeating: 0, count: x.count)
        for b in 0..<n {
            for g in 0..<groups {
                var members = [Int]()
                for p in 0..<positions { for c in (g * perGroup)..<((g + 1) * perGroup) { members.append((b * positions + p) * channels + c) } }
                let mean = members.map { Double(x[$0]) }.reduce(0, +) / Double(members.count)
                let variance = members.map { pow(Double(x[$0]) - mean, 2) }.reduce(0, +) / Double(members.count)
                for i in members {
                    let c = i % channels
                    let y = (Double(x[i]) - mean) / (variance + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c])
                    expected[i] = activation == .silu ? y / (1 + Foundation.exp(-y)) : y
                }
            }
        }
        check(out, expected, rtol: 1e-4, atol: 1e-4)
    }

    @Test func layerNormNormalisesRows() {
        let (rows, width) = (4, 9)
        let x = Reference.values(rows * width, seed: 12).map { $0 + 5 }
        let gamma = Reference.values(width, seed: 13)
        let beta = Reference.values(width, seed: 14)
        let out = backend.layerNorm(
            backend.upload(x, shape: [2, 2, width]), weight: backend.upload(gamma, shape: [width]),
            bias: backend.upload(beta, shape: [width]), eps: 1e-5)
        var expected = [Double]()
        for r in 0..<rows {
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { pow($0 - mean, 2) }.reduce(0, +) / Double(width)
            for i in 0..<width { expected.append((row[i] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[i]) + Double(beta[i])) }
        }
        check(out, expected, rtol: 1e-4, atol: 1e-5)
    }

    @Test func activationsMatchTheirDefinitions() {
        let x = Reference.values(257, seed: 15, scale: 6)
        let t = backend.upload(x, shape: [257])
        let sigmoid = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
        check(backend.activation(t, .silu), x.map { Double($0) * sigmoid(Double($0)) })
        check(backend.activation(t, .quickGELU), x.map { Double($0) * sigmoid(1.702 * Double($0)) })
        check(backend.activation(t, .gelu), x.map { 0.5 * Double($0) * (1 + Foundation.erf(Double($0) / 2.0.squareRoot())) })
    }

    @Test func gegluGatesTheFirstHalfWithTheSecond() {
        let x = Reference.values(2 * 8, seed: 16, scale: 3)
        let out = backend.geglu(backend.upload(x, shape: [2, 8]))
        #expect(out.shape == [2, 4])
        var expected = [Double]()
        for r in 0..<2 {
            for i in 0..<4 {
                let (hidden, gate) = (Double(x[r * 8 + i]), Double(x[r * 8 + 4 + i]))
                expected.append(hidden * 0.5 * gate * (1 + Foundation.erf(gate / 2.0.squareRoot())))
            }
        }
        check(out, expected)
    }

    @Test(arguments: [false, true])
    func attentionMatchesSoftmaxOfScaledScores(causal: Bool) {
        let (batch, queries, keys, heads, headWidth) = (2, 5, causal ? 5 : 7, 3, 4)
        let width = heads * headWidth
        let q = Reference.values(batch * queries * width, seed: 17, scale: 2)
        let k = Reference.values(batch * keys * width, seed: 18, scale: 2)
        let v = Reference.values(batch * keys * width, seed: 19)
        let out = backend.attention(
            query: backend.upload(q, shape: [batch, queries, width]), key: backend.upload(k, shape: [batch, keys, width]),
            value: backend.upload(v, shape: [batch, keys, width]), heads: heads, causal: causal)
        var expected = [Double](repeating: 0, count: batch * queries * width)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<queries {
                    let visible = causal ? i + 1 : keys
                    let queryRow = (b * queries + i) * width + h * headWidth
                    var scores = [Double]()
                    for j in 0..<visible {
                        let keyRow = (b * keys + j) * width + h * headWidth
                        var dot = 0.0
                        for d in 0..<headWidth { dot += Double(q[queryRow + d]) * Double(k[keyRow + d]) }
                        scores.append(dot / Double(headWidth).squareRoot())
                    }
                    let maximum = scores.max() ?? 0
                    scores = scores.map { Foundation.exp($0 - maximum) }
                    let total = scores.reduce(0, +)
                    for d in 0..<headWidth {
                        var sum = 0.0
                        for j in 0..<visible { sum += scores[j] / total * Double(v[(b * keys + j) * width + h * headWidth + d]) }
                        expected[queryRow + d] = sum
                    }
                }
            }
        }
        check(out, expected)
    }

    @Test func addAndMultiplyBroadcastFromTheRight() {
        let a = Reference.values(2 * 3 * 4 * 5, seed: 20)
        let perChannel = Reference.values(5, seed: 21)
        let perSampleChannel = Reference.values(2 * 5, seed: 22)
        let ta = backend.upload(a, shape: [2, 3, 4, 5])
        check(backend.add(ta, backend.upload(perChannel, shape: [5])), a.indices.map { Double(a[$0]) + Double(perChannel[$0 % 5]) })
        check(
            backend.multiply(ta, backend.upload(perSampleChannel, shape: [2, 1, 1, 5])),
            a.indices.map { Double(a[$0]) * Double(perSampleChannel[($0 / 60) * 5 + $0 % 5]) })
        check(backend.add(ta, ta), a.map { 2 * Double($0) })
    }

    @Test func linearCombinationClampAndExp() {
        let x = Reference.values(100, seed: 23, scale: 4)
        let y = Reference.values(100, seed: 24)
        let (tx, ty) = (backend.upload(x, shape: [10, 10]), backend.upload(y, shape: [10, 10]))
        check(backend.linearCombination([(0.5, tx), (-2, ty)]), x.indices.map { 0.5 * Double(x[$0]) - 2 * Double(y[$0]) })
        check(backend.clamp(tx, min: -1, max: 2), x.map { min(max(Double($0), -1), 2) })
        check(backend.exp(tx), x.map { Foundation.exp(Double($0)) })
    }

    @Test func permuteConcatSliceAndGather() {
        let x = Reference.values(2 * 3 * 4, seed: 25)
        let t = backend.upload(x, shape: [2, 3, 4])
        let permuted = backend.permute(t, [2, 0, 1])
        #expect(permuted.shape == [4, 2, 3])
        var expected = [Double]()
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(Double(x[(i * 3 + j) * 4 + k])) } } }
        check(permuted, expected)

        let joined = backend.concat([t, backend.slice(t, axis: 2, 1..<3)], axis: 2)
        #expect(joined.shape == [2, 3, 6])
        expected = []
        for row in 0..<6 {
            expected += x[(row * 4)..<(row * 4 + 4)].map(Double.init) + x[(row * 4 + 1)..<(row * 4 + 3)].map(Double.init)
        }
        check(joined, expected)

        let rows = backend.gatherRows(t, rows: [1, 0, 1])
        check(rows, (x[12..<24] + x[0..<12] + x[12..<24]).map(Double.init))
        let looked = backend.embedding([2, 0], table: backend.upload(x, shape: [6, 4]))
        check(looked, (x[8..<12] + x[0..<4]).map(Double.init))
    }

    @Test(arguments: [(6, 4), (3, 5), (9, 7)])
    func upsampleNearestFollowsPyTorchIndices(height: Int, width: Int) {
        let (h, w, c) = (3, 2, 2)
        let x = Reference.values(h * w * c, seed: 26)
        let out = backend.upsampleNearest(backend.upload(x, shape: [1, h, w, c]), height: height, width: width)
        var expected = [Float]()
        for y in 0..<height {
            for xPos in 0..<width {
                let sy = min(Int(Float(y) * (Float(h) / Float(height))), h - 1)
                let sx = min(Int(Float(xPos) * (Float(w) / Float(width))), w - 1)
                for ch in 0..<c { expected.append(x[(sy * w + sx) * c + ch]) }
            }
        }
        #expect(backend.download(out) == expected, "a copy must be exact")
    }

    @Test func castsRoundTripThroughHalfFormats() {
        let x: [Float] = [0, -0.0, 1, -2.5, 65504, 1e-8, 3.14159, 1 / 3]
        let t = backend.upload(x, shape: [8])
        let viaHalf = backend.download(backend.cast(backend.cast(t, to: .float16), to: .float32))
        #expect(viaHalf == x.map { Float(Float16($0)) })
        let viaBrain = backend.download(backend.cast(t, to: .bfloat16))
        #expect(viaBrain == x.map { HalfPrecision.float(bfloat16Bits: HalfPrecision.bfloat16Bits($0)) })
    }
}

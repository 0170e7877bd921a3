import Testing

@testable import Tensors

/// The tape's plumbing: which ops it records, how gradients flow through layout ops and fan-out, and that
/// checkpointed regions give the gradients of an ordinary record. The gradient ops themselves are tested one by
/// one against naive loops and finite differences elsewhere.
struct GradientTapeTests {
    let base = CPUBackend()

    /// Naive `Gᵀ·X` for `G [rows, out]`, `X [rows, in]`: the gradient of `linear` with respect to its weight.
    func weightGradient(_ g: [Float], _ x: [Float], rows: Int, out: Int, in inFeatures: Int) -> [Double] {
        var result = [Double](repeating: 0, count: out * inFeatures)
        for o in 0..<out {
            for i in 0..<inFeatures {
                for r in 0..<rows {
                    result[o * inFeatures + i] += Double(g[r * out + o]) * Double(x[r * inFeatures + i])
                }
            }
        }
        return result
    }

    func check(_ actual: Tensor?, _ expected: [Double]) {
        guard let actual else {
            Issue.record("no gradient")
            return
        }
        let ratio = Reference.worstRatio(base.download(actual), expected, rtol: 1e-5, atol: 1e-5)
        #expect(ratio <= 1, "worst error is \(ratio)× the tolerance")
    }

    @Test func linearWeightGradientIsTheProductOfOutputGradientAndInput() {
        let tape = GradientTape(base)
        let (rows, inFeatures, out) = (6, 5, 3)
        let xValues = Reference.values(rows * inFeatures, seed: 1)
        let gValues = Reference.values(rows * out, seed: 2)
        let x = tape.upload(xValues, shape: [2, 3, inFeatures])
        let weight = tape.parameter(tape.upload(Reference.values(out * inFeatures, seed: 3), shape: [out, inFeatures]))
        let y = tape.record { tape.linear(x, weight: weight, bias: nil) }
        tape.backward(from: y, gradient: tape.upload(gValues, shape: [2, 3, out]))
        check(tape.gradient(of: weight), weightGradient(gValues, xValues, rows: rows, out: out, in: inFeatures))
    }

    @Test func fanOutAccumulatesAndRepeatedBackwardAddsUp() {
        let tape = GradientTape(base)
        let xValues = Reference.values(4 * 3, seed: 4)
        let gValues = Reference.values(4 * 2, seed: 5)
        let x = tape.upload(xValues, shape: [4, 3])
        let weight = tape.parameter(tape.upload(Reference.values(6, seed: 6), shape: [2, 3]))
        let once = weightGradient(gValues, xValues, rows: 4, out: 2, in: 3)
        for _ in 0..<2 {
            let y = tape.record {
                let h = tape.linear(x, weight: weight, bias: nil)
                return tape.linearCombination([(1, h), (2, h)])
            }
            tape.backward(from: y, gradient: tape.upload(gValues, shape: [4, 2]))
        }
        check(tape.gradient(of: weight), once.map { $0 * 6 })
        tape.clearGradients()
        #expect(tape.gradient(of: weight) == nil)
    }

    @Test func layoutOpsRouteGradientsBack() {
        let tape = GradientTape(base)
        let xValues = Reference.values(2 * 3, seed: 7)
        let x = tape.upload(xValues, shape: [2, 3])
        let weight = tape.parameter(tape.upload(Reference.values(4 * 3, seed: 8), shape: [4, 3]))
        let constant = tape.upload(Reference.values(2 * 2, seed: 9), shape: [2, 2])
        // y = slice(permute(concat([x·Wᵀ, c], 1))): rows 1..<5 of the [6, 2] transpose, i.e. h's columns 1...3
        // and c's first column.
        let y = tape.record {
            let h = tape.linear(x, weight: weight, bias: nil)
            let joined = tape.concat([h, constant], axis: 1)
            return tape.slice(tape.permute(joined, [1, 0]), axis: 0, 1..<5)
        }
        let gValues = Reference.values(4 * 2, seed: 10)
        tape.backward(from: y, gradient: tape.upload(gValues, shape: [4, 2]))
        // ∂/∂h[r, c] = g[c − 1, r] for c ≥ 1, 0 for c = 0.
        var hGradient = [Float](repeating: 0, count: 2 * 4)
        for r in 0..<2 {
            for c in 1..<4 { hGradient[r * 4 + c] = gValues[(c - 1) * 2 + r] }
        }
        check(tape.gradient(of: weight), weightGradient(hGradient, xValues, rows: 2, out: 4, in: 3))
    }

    @Test func untrackedOpsAreNotRecorded() {
        let tape = GradientTape(base)
        let frozen = tape.upload(Reference.values(9, seed: 11), shape: [3, 3])
        let weight = tape.parameter(tape.upload(Reference.values(9, seed: 12), shape: [3, 3]))
        let x = tape.upload(Reference.values(6, seed: 13), shape: [2, 3])
        let y = tape.record { tape.linear(tape.linear(x, weight: frozen, bias: nil), weight: frozen, bias: nil) }
        tape.backward(from: y, gradient: tape.full([2, 3], value: 1, dtype: .float32))
        #expect(tape.gradient(of: weight) == nil)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulGradientsMatchTheProductRule(transposeA: Bool, transposeB: Bool) {
        let tape = GradientTape(base)
        let (m, k, n) = (3, 4, 2)
        let aValues = Reference.values(m * k, seed: 14)
        let bValues = Reference.values(k * n, seed: 15)
        let a = tape.parameter(tape.upload(aValues, shape: transposeA ? [k, m] : [m, k]))
        let b = tape.parameter(tape.upload(bValues, shape: transposeB ? [n, k] : [k, n]))
        let y = tape.record { tape.matmul(a, b, transposeA: transposeA, transposeB: transposeB) }
        let gValues = Reference.values(m * n, seed: 16)
        tape.backward(from: y, gradient: tape.upload(gValues, shape: [m, n]))
        func aAt(_ r: Int, _ j: Int) -> Double { Double(transposeA ? aValues[j * m + r] : aValues[r * k + j]) }
        func bAt(_ j: Int, _ c: Int) -> Double { Double(transposeB ? bValues[c * k + j] : bValues[j * n + c]) }
        var da = [Double](repeating: 0, count: m * k)
        var db = [Double](repeating: 0, count: k * n)
        for r in 0..<m {
            for c in 0..<n {
                let g = Double(gValues[r * n + c])
                for j in 0..<k {
                    da[transposeA ? j * m + r : r * k + j] += g * bAt(j, c)
                    db[transposeB ? c * k + j : j * n + c] += g * aAt(r, j)
                }
            }
        }
        check(tape.gradient(of: a), da)
        check(tape.gradient(of: b), db)
    }

    /// A region with a parameter it captures (not among its inputs), fan-out, and dropout drawn from the tape's
    /// randomness: run again during backward, it must give exactly the gradients of an ordinary record.
    @Test func checkpointedRegionsGiveTheSameGradients() {
        func gradients(checkpointing: Bool) -> ([Float], [Float]) {
            let tape = GradientTape(base)
            tape.gradientCheckpointing = checkpointing
            tape.setRandom(seed: 42, offset: 0)
            let x = tape.upload(Reference.values(5 * 4, seed: 17), shape: [5, 4])
            let w1 = tape.parameter(tape.upload(Reference.values(6 * 4, seed: 18), shape: [6, 4]))
            let w2 = tape.parameter(tape.upload(Reference.values(3 * 6, seed: 19), shape: [3, 6]))
            let y = tape.record {
                let h = tape.linear(x, weight: w1, bias: nil)
                let region = tape.checkpointed([h]) { inputs in
                    let mask = tape.dropoutMask(
                        [5, 6], dropProbability: 0.3, seed: tape.randomSeed, stream: 3, offset: tape.reserveRandom(30))
                    let dropped = tape.multiply(tape.exp(tape.scale(inputs[0], by: 0.5)), mask)
                    return tape.add(tape.linear(dropped, weight: w2, bias: nil), tape.slice(inputs[0], axis: 1, 0..<3))
                }
                return tape.linearCombination([(1, region), (0.5, tape.slice(h, axis: 1, 3..<6))])
            }
            tape.backward(from: y, gradient: tape.upload(Reference.values(y.elementCount, seed: 20), shape: y.shape))
            return (base.download(tape.gradient(of: w1)!), base.download(tape.gradient(of: w2)!))
        }
        let plain = gradients(checkpointing: false)
        let checkpointed = gradients(checkpointing: true)
        #expect(plain.0 == checkpointed.0)
        #expect(plain.1 == checkpointed.1)
        #expect(plain.0.contains { $0 != 0 } && plain.1.contains { $0 != 0 })
    }
}

import Foundation
import Tensors

/// Double-precision forward passes of the ops with gradients, written as plain loops over row-major arrays, with
/// their analytic gradients (for the gradient tests' naive reference) and central finite differences.
enum Naive {
    // MARK: Finite differences

    /// ∂/∂x of Σ upstream·f(x), by central differences of step `step` in double.
    static func numericGradient(
        at x: [Double], upstream: [Double], step: Double = 1e-5, _ f: ([Double]) -> [Double]
    ) -> [Double] {
        func loss(_ x: [Double]) -> Double { zip(f(x), upstream).reduce(0) { $0 + $1.0 * $1.1 } }
        var x = x
        return (0..<x.count).map { i in
            let saved = x[i]
            x[i] = saved + step
            let above = loss(x)
            x[i] = saved - step
            let below = loss(x)
            x[i] = saved
            return (above - below) / (2 * step)
        }
    }

    // MARK: Activations

    static func activation(_ kind: Activation?, _ x: Double) -> Double {
        switch kind {
        case nil: x
        case .silu: x / (1 + exp(-x))
        case .gelu: 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case .quickGELU: x / (1 + exp(-1.702 * x))
        }
    }

    static func activationDerivative(_ kind: Activation?, _ x: Double) -> Double {
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        switch kind {
        case nil: return 1
        case .silu: return sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))
        case .gelu: return 0.5 * (1 + erf(x / 2.0.squareRoot())) + x * exp(-x * x / 2) / (2 * Double.pi).squareRoot()
        case .quickGELU: return sigmoid(1.702 * x) + 1.702 * x * sigmoid(1.702 * x) * (1 - sigmoid(1.702 * x))
        }
    }

    /// `x […, 2d]` → `x[…, :d]·GELU(x[…, d:])`.
    static func geglu(_ x: [Double], width: Int) -> [Double] {
        (0..<(x.count / 2)).map { i in
            let (row, column) = i.quotientAndRemainder(dividingBy: width)
            return x[row * 2 * width + column] * activation(.gelu, x[row * 2 * width + width + column])
        }
    }

    static func gegluBackward(_ dy: [Double], _ x: [Double], width: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: x.count)
        for (i, upstream) in dy.enumerated() {
            let (row, column) = i.quotientAndRemainder(dividingBy: width)
            let (hidden, gate) = (row * 2 * width + column, row * 2 * width + width + column)
            dx[hidden] = upstream * activation(.gelu, x[gate])
            dx[gate] = upstream * x[hidden] * activationDerivative(.gelu, x[gate])
        }
        return dx
    }

    // MARK: Convolution

    struct Convolution {
        var batch, height, width, inChannels, outChannels, kernel, stride: Int
        var padding: Padding2D
        var outHeight: Int { (height + padding.top + padding.bottom - kernel) / stride + 1 }
        var outWidth: Int { (width + padding.left + padding.right - kernel) / stride + 1 }
        var inputShape: [Int] { [batch, height, width, inChannels] }
        var weightShape: [Int] { [outChannels, kernel, kernel, inChannels] }
        var outputShape: [Int] { [batch, outHeight, outWidth, outChannels] }

        /// Calls `body(outputIndex, inputIndex, weightIndex)` for every product term of the convolution.
        func forEachTerm(_ body: (Int, Int, Int) -> Void) {
            for b in 0..<batch {
                for oy in 0..<outHeight {
                    for ox in 0..<outWidth {
                        for o in 0..<outChannels {
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let (iy, ix) = (oy * stride - padding.top + ky, ox * stride - padding.left + kx)
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    for c in 0..<inChannels {
                                        body(
                                            ((b * outHeight + oy) * outWidth + ox) * outChannels + o,
                                            ((b * height + iy) * width + ix) * inChannels + c,
                                            ((o * kernel + ky) * kernel + kx) * inChannels + c)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        func forward(_ x: [Double], _ weight: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: outputShape.reduce(1, *))
            forEachTerm { o, i, w in out[o] += x[i] * weight[w] }
            return out
        }

        func inputGradient(_ dy: [Double], _ weight: [Double]) -> [Double] {
            var dx = [Double](repeating: 0, count: inputShape.reduce(1, *))
            forEachTerm { o, i, w in dx[i] += dy[o] * weight[w] }
            return dx
        }

        func weightGradient(_ dy: [Double], _ x: [Double]) -> [Double] {
            var dw = [Double](repeating: 0, count: weightShape.reduce(1, *))
            forEachTerm { o, i, w in dw[w] += dy[o] * x[i] }
            return dw
        }
    }

    // MARK: Normalisation

    /// Statistics of each run of elements sharing one mean and variance, given as their indices.
    private static func normalized(_ x: [Double], _ members: [Int], eps: Double) -> (xhat: [Double], inverse: Double) {
        let mean = members.reduce(0) { $0 + x[$1] } / Double(members.count)
        let variance = members.reduce(0) { $0 + (x[$1] - mean) * (x[$1] - mean) } / Double(members.count)
        let inverse = 1 / (variance + eps).squareRoot()
        return (members.map { (x[$0] - mean) * inverse }, inverse)
    }

    /// The index sets of group norm's statistics for `[samples, positions, channels]`.
    static func groupMembers(samples: Int, positions: Int, channels: Int, groups: Int) -> [[Int]] {
        let perGroup = channels / groups
        return (0..<samples).flatMap { n in
            (0..<groups).map { g in
                (0..<positions).flatMap { p in
                    (0..<perGroup).map { ((n * positions + p) * channels) + g * perGroup + $0 }
                }
            }
        }
    }

    /// The index sets of layer norm's statistics: rows of `width`.
    static func rowMembers(count: Int, width: Int) -> [[Int]] {
        (0..<(count / width)).map { row in (0..<width).map { row * width + $0 } }
    }

    /// `act(γ_c·x̂ + β_c)` over the given statistic sets, `c = index % channels`.
    static func normalization(
        _ x: [Double], members: [[Int]], channels: Int, gamma: [Double], beta: [Double], eps: Double,
        activation kind: Activation?
    ) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for set in members {
            let (xhat, _) = normalized(x, set, eps: eps)
            for (index, value) in zip(set, xhat) {
                out[index] = activation(kind, gamma[index % channels] * value + beta[index % channels])
            }
        }
        return out
    }

    static func normalizationBackward(
        _ dy: [Double], _ x: [Double], members: [[Int]], channels: Int, gamma: [Double], beta: [Double],
        eps: Double, activation kind: Activation?
    ) -> (dx: [Double], dgamma: [Double], dbeta: [Double]) {
        var (dx, dgamma, dbeta) = (
            [Double](repeating: 0, count: x.count), [Double](repeating: 0, count: channels),
            [Double](repeating: 0, count: channels)
        )
        for set in members {
            let (xhat, inverse) = normalized(x, set, eps: eps)
            let dz = zip(set, xhat).map { index, value in
                let c = index % channels
                return dy[index] * activationDerivative(kind, gamma[c] * value + beta[c])
            }
            let dxhat = zip(set, dz).map { gamma[$0 % channels] * $1 }
            let meanGradient = dxhat.reduce(0, +) / Double(set.count)
            let meanProduct = zip(dxhat, xhat).reduce(0) { $0 + $1.0 * $1.1 } / Double(set.count)
            for (k, index) in set.enumerated() {
                dx[index] = inverse * (dxhat[k] - meanGradient - xhat[k] * meanProduct)
                dgamma[index % channels] += dz[k] * xhat[k]
                dbeta[index % channels] += dz[k]
            }
        }
        return (dx, dgamma, dbeta)
    }

    // MARK: Attention

    struct Attention {
        var batch, queries, keys, heads, headWidth: Int
        var causal: Bool
        var width: Int { heads * headWidth }

        /// Softmax probabilities P[b][h][i][j] of the scaled scores, masked keys 0.
        func probabilities(_ q: [Double], _ k: [Double]) -> [[[[Double]]]] {
            let scale = 1 / Double(headWidth).squareRoot()
            return (0..<batch).map { b in
                (0..<heads).map { h in
                    (0..<queries).map { i in
                        let visible = causal ? min(keys, i + 1) : keys
                        let scores = (0..<visible).map { j in
                            scale * (0..<headWidth).reduce(0.0) { sum, d in
                                sum + q[(b * queries + i) * width + h * headWidth + d]
                                    * k[(b * keys + j) * width + h * headWidth + d]
                            }
                        }
                        let top = scores.max() ?? 0
                        let exps = scores.map { exp($0 - top) }
                        let total = exps.reduce(0, +)
                        return exps.map { $0 / total } + [Double](repeating: 0, count: keys - visible)
                    }
                }
            }
        }

        func forward(_ q: [Double], _ k: [Double], _ v: [Double]) -> [Double] {
            let p = probabilities(q, k)
            var out = [Double](repeating: 0, count: batch * queries * width)
            for b in 0..<batch {
                for h in 0..<heads {
                    for i in 0..<queries {
                        for j in 0..<keys {
                            for d in 0..<headWidth {
                                out[(b * queries + i) * width + h * headWidth + d] +=
                                    p[b][h][i][j] * v[(b * keys + j) * width + h * headWidth + d]
                            }
                        }
                    }
                }
            }
            return out
        }

        func backward(_ dO: [Double], _ q: [Double], _ k: [Double], _ v: [Double]) -> (dq: [Double], dk: [Double], dv: [Double]) {
            let p = probabilities(q, k)
            let scale = 1 / Double(headWidth).squareRoot()
            var (dq, dk, dv) = (
                [Double](repeating: 0, count: q.count), [Double](repeating: 0, count: k.count),
                [Double](repeating: 0, count: v.count)
            )
            func qi(_ b: Int, _ i: Int, _ h: Int, _ d: Int) -> Int { (b * queries + i) * width + h * headWidth + d }
            func kj(_ b: Int, _ j: Int, _ h: Int, _ d: Int) -> Int { (b * keys + j) * width + h * headWidth + d }
            for b in 0..<batch {
                for h in 0..<heads {
                    for i in 0..<queries {
                        let dp = (0..<keys).map { j in
                            (0..<headWidth).reduce(0.0) { $0 + dO[qi(b, i, h, $1)] * v[kj(b, j, h, $1)] }
                        }
                        let rowDot = (0..<keys).reduce(0.0) { $0 + p[b][h][i][$1] * dp[$1] }
                        for j in 0..<keys {
                            let ds = p[b][h][i][j] * (dp[j] - rowDot)
                            for d in 0..<headWidth {
                                dv[kj(b, j, h, d)] += p[b][h][i][j] * dO[qi(b, i, h, d)]
                                dq[qi(b, i, h, d)] += scale * ds * k[kj(b, j, h, d)]
                                dk[kj(b, j, h, d)] += scale * ds * q[qi(b, i, h, d)]
                            }
                        }
                    }
                }
            }
            return (dq, dk, dv)
        }
    }

    // MARK: Resampling, gathering, broadcasting

    /// PyTorch's nearest source index: min(floor(i·(in/out)), in − 1), the ratio in Float.
    static func nearestSource(_ i: Int, input: Int, output: Int) -> Int {
        min(Int((Float(i) * (Float(input) / Float(output))).rounded(.down)), input - 1)
    }

    /// Calls `body(outputIndex, inputIndex)` for every copied element of a nearest resize of NHWC `[n, h, w, c]`.
    static func forEachNearestCopy(
        _ shape: [Int], height: Int, width: Int, _ body: (Int, Int) -> Void
    ) {
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        for b in 0..<n {
            for y in 0..<height {
                for x in 0..<width {
                    let (sy, sx) = (nearestSource(y, input: h, output: height), nearestSource(x, input: w, output: width))
                    for ch in 0..<c { body(((b * height + y) * width + x) * c + ch, ((b * h + sy) * w + sx) * c + ch) }
                }
            }
        }
    }

    /// Calls `body(outputIndex, operandIndex)` for every element of `shape` and the element of the right-aligned
    /// broadcast operand of shape `operand` that it reads.
    static func forEachBroadcast(_ shape: [Int], _ operand: [Int], _ body: (Int, Int) -> Void) {
        let padded = [Int](repeating: 1, count: shape.count - operand.count) + operand
        for index in 0..<shape.reduce(1, *) {
            var (remainder, source, step) = (index, 0, 1)
            for axis in (0..<shape.count).reversed() {
                let coordinate = remainder % shape[axis]
                remainder /= shape[axis]
                if padded[axis] != 1 { source += coordinate * step }
                step *= padded[axis]
            }
            body(index, source)
        }
    }
}

/// The op set on a tape: each op runs on the base backend, and ops with a tracked operand record their backward
/// pass, written with the base backend's ops and its gradient ops.
extension GradientTape {
    // MARK: Memory

    public func upload(_ values: [Float], shape: [Int], dtype: DType) -> Tensor {
        base.upload(values, shape: shape, dtype: dtype)
    }

    public func upload(bytes: UnsafeRawBufferPointer, sourceDType: DType, shape: [Int], dtype: DType) -> Tensor {
        base.upload(bytes: bytes, sourceDType: sourceDType, shape: shape, dtype: dtype)
    }

    public func download(_ x: Tensor) -> [Float] { base.download(x) }

    public func full(_ shape: [Int], value: Float, dtype: DType) -> Tensor {
        base.full(shape, value: value, dtype: dtype)
    }

    public func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        let out = base.cast(x, to: dtype)
        if needsRecording(x) && out.storage !== x.storage {
            let (id, dtype) = (x.storage.id, x.dtype)
            append(out) { [base] gradient in [(id, base.cast(gradient, to: dtype))] }
        }
        return out
    }

    // MARK: Layout

    public func permute(_ x: Tensor, _ axes: [Int]) -> Tensor {
        let out = base.permute(x, axes)
        if needsRecording(x) {
            var inverse = axes
            for (position, axis) in axes.enumerated() { inverse[axis] = position }
            let id = x.storage.id
            append(out) { [base] gradient in [(id, base.permute(gradient, inverse))] }
        }
        return out
    }

    public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        let out = base.concat(xs, axis: axis)
        if keepsOps && xs.contains(where: isTracked) {
            let parts = xs.map { (id: $0.storage.id, extent: $0.shape[axis], isTracked: isTracked($0)) }
            append(out) { [base] gradient in
                var start = 0
                var gradients: [(UInt64, Tensor)] = []
                for part in parts {
                    let end = start + part.extent
                    if part.isTracked { gradients.append((part.id, base.slice(gradient, axis: axis, start..<end))) }
                    start = end
                }
                return gradients
            }
        }
        return out
    }

    public func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) -> Tensor {
        let out = base.slice(x, axis: axis, range)
        if needsRecording(x) {
            let (id, inputShape) = (x.storage.id, x.shape)
            append(out) { [base] gradient in
                // Zeros around the slice's gradient restore the input's extent.
                var parts: [Tensor] = []
                var shape = inputShape
                if range.lowerBound > 0 {
                    shape[axis] = range.lowerBound
                    parts.append(base.full(shape, value: 0, dtype: gradient.dtype))
                }
                parts.append(gradient)
                if range.upperBound < inputShape[axis] {
                    shape[axis] = inputShape[axis] - range.upperBound
                    parts.append(base.full(shape, value: 0, dtype: gradient.dtype))
                }
                return [(id, parts.count == 1 ? gradient : base.concat(parts, axis: axis))]
            }
        }
        return out
    }

    public func gatherRows(_ x: Tensor, rows: [Int]) -> Tensor {
        let out = base.gatherRows(x, rows: rows)
        if needsRecording(x) {
            let (id, inputShape) = (x.storage.id, x.shape)
            append(out) { [base] gradient in
                [(id, base.scatterAddRows(gradient, rows: rows, count: inputShape[0]).reshaped(inputShape))]
            }
        }
        return out
    }

    // MARK: Matrix products

    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        let out = base.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        guard needsRecording(a, b) else { return out }
        let (needsA, needsB) = (isTracked(a), isTracked(b))
        append(out) { [base] gradient in
            var gradients: [(UInt64, Tensor)] = []
            // With C = op(A)·op(B): d op(A) = G·op(B)ᵀ and d op(B) = op(A)ᵀ·G, transposed back where op transposes.
            if needsA {
                let da =
                    transposeA
                    ? base.matmul(b, gradient, transposeA: transposeB, transposeB: true)
                    : base.matmul(gradient, b, transposeA: false, transposeB: !transposeB)
                gradients.append((a.storage.id, da))
            }
            if needsB {
                if b.rank == 2 && a.rank > 2 {
                    // One matrix shared by the whole batch: its gradient sums over the batch, which is one product
                    // over the flattened rows.
                    precondition(!transposeA, "matmul gradient of a shared operand with a transposed batch")
                    let rowsA = a.reshaped([-1, a.shape[a.rank - 1]])
                    let rowsG = gradient.reshaped([-1, gradient.shape[gradient.rank - 1]])
                    let db =
                        transposeB
                        ? base.matmul(rowsG, rowsA, transposeA: true, transposeB: false)
                        : base.matmul(rowsA, rowsG, transposeA: true, transposeB: false)
                    gradients.append((b.storage.id, db))
                } else {
                    let db =
                        transposeB
                        ? base.matmul(gradient, a, transposeA: true, transposeB: transposeA)
                        : base.matmul(a, gradient, transposeA: !transposeA, transposeB: false)
                    gradients.append((b.storage.id, db))
                }
            }
            return gradients
        }
        return out
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let out = base.linear(x, weight: weight, bias: bias)
        guard needsRecording(x, weight, bias) else { return out }
        let (needsX, needsWeight, needsBias) = (isTracked(x), isTracked(weight), bias.map(isTracked) ?? false)
        // Keep only what the backward needs: a frozen layer's input is not kept for a weight gradient.
        let (xID, inputShape, input) = (x.storage.id, x.shape, needsWeight ? x : nil)
        let (weightID, biasID, biasShape) = (weight.storage.id, bias?.storage.id, bias?.shape ?? [])
        append(out) { [base] gradient in
            let rows = gradient.reshaped([-1, weight.shape[0]])
            var gradients: [(UInt64, Tensor)] = []
            if needsX { gradients.append((xID, base.matmul(rows, weight).reshaped(inputShape))) }
            if let input {
                let inputRows = input.reshaped([-1, weight.shape[1]])
                gradients.append((weightID, base.matmul(rows, inputRows, transposeA: true, transposeB: false)))
            }
            if needsBias, let biasID { gradients.append((biasID, base.sum(rows, toShape: biasShape))) }
            return gradients
        }
        return out
    }

    // MARK: Convolution

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Padding2D) -> Tensor {
        let out = base.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
        guard needsRecording(x, weight, bias) else { return out }
        let (needsX, needsWeight, needsBias) = (isTracked(x), isTracked(weight), bias.map(isTracked) ?? false)
        let (xID, inputShape, input) = (x.storage.id, x.shape, needsWeight ? x : nil)
        let (weightID, biasID, biasShape) = (weight.storage.id, bias?.storage.id, bias?.shape ?? [])
        append(out) { [base] gradient in
            var gradients: [(UInt64, Tensor)] = []
            if needsX {
                let inputGradient = base.conv2dBackwardInput(
                    gradient, weight: weight, inputShape: inputShape, stride: stride, padding: padding)
                gradients.append((xID, inputGradient))
            }
            if let input {
                let weightGradient = base.conv2dBackwardWeight(
                    gradient, input: input, kernelHeight: weight.shape[1], kernelWidth: weight.shape[2],
                    stride: stride, padding: padding)
                gradients.append((weightID, weightGradient))
            }
            if needsBias, let biasID { gradients.append((biasID, base.sum(gradient, toShape: biasShape))) }
            return gradients
        }
        return out
    }

    // MARK: Normalization

    public func groupNorm(
        _ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float, activation: Activation?
    ) -> Tensor {
        let out = base.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps, activation: activation)
        guard needsRecording(x, weight, bias) else { return out }
        let trainsAffine = isTracked(weight) || isTracked(bias)
        append(out) { [base] gradient in
            let gradients = base.groupNormBackward(
                gradient, input: x, groups: groups, weight: weight, bias: bias, eps: eps, activation: activation,
                parameterGradients: trainsAffine)
            return Self.normalizationPairs(gradients, x: x, weight: weight, bias: bias)
        }
        return out
    }

    public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float) -> Tensor {
        let out = base.layerNorm(x, weight: weight, bias: bias, eps: eps)
        guard needsRecording(x, weight, bias) else { return out }
        let trainsAffine = isTracked(weight) || (bias.map(isTracked) ?? false)
        append(out) { [base] gradient in
            let gradients = base.layerNormBackward(
                gradient, input: x, weight: weight, bias: bias, eps: eps, parameterGradients: trainsAffine)
            return Self.normalizationPairs(gradients, x: x, weight: weight, bias: bias)
        }
        return out
    }

    private static func normalizationPairs(
        _ gradients: NormalizationGradients, x: Tensor, weight: Tensor, bias: Tensor?
    ) -> [(UInt64, Tensor)] {
        var pairs = [(x.storage.id, gradients.input)]
        if let weightGradient = gradients.weight { pairs.append((weight.storage.id, weightGradient)) }
        if let bias, let biasGradient = gradients.bias { pairs.append((bias.storage.id, biasGradient)) }
        return pairs
    }

    // MARK: Activations and attention

    public func activation(_ x: Tensor, _ kind: Activation) -> Tensor {
        let out = base.activation(x, kind)
        if needsRecording(x) {
            append(out) { [base] gradient in [(x.storage.id, base.activationBackward(gradient, input: x, kind))] }
        }
        return out
    }

    public func geglu(_ x: Tensor) -> Tensor {
        let out = base.geglu(x)
        if needsRecording(x) {
            append(out) { [base] gradient in [(x.storage.id, base.gegluBackward(gradient, input: x))] }
        }
        return out
    }

    public func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool) -> Tensor {
        let out = base.attention(query: query, key: key, value: value, heads: heads, causal: causal)
        guard needsRecording(query, key, value) else { return out }
        let needs = (isTracked(query), isTracked(key), isTracked(value))
        append(out) { [base] gradient in
            let gradients = base.attentionBackward(
                gradient, query: query, key: key, value: value, heads: heads, causal: causal)
            var pairs: [(UInt64, Tensor)] = []
            if needs.0 { pairs.append((query.storage.id, gradients.query)) }
            if needs.1 { pairs.append((key.storage.id, gradients.key)) }
            if needs.2 { pairs.append((value.storage.id, gradients.value)) }
            return pairs
        }
        return out
    }

    // MARK: Elementwise

    public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = base.add(a, b)
        guard needsRecording(a, b) else { return out }
        let (aID, bID, bShape) = (isTracked(a) ? a.storage.id : nil, isTracked(b) ? b.storage.id : nil, b.shape)
        append(out) { [base] gradient in
            var pairs: [(UInt64, Tensor)] = []
            if let aID { pairs.append((aID, gradient)) }
            if let bID { pairs.append((bID, Self.reduced(gradient, to: bShape, base))) }
            return pairs
        }
        return out
    }

    public func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = base.multiply(a, b)
        guard needsRecording(a, b) else { return out }
        // Each operand's gradient needs the other operand only.
        let (aID, bID, bShape) = (a.storage.id, b.storage.id, b.shape)
        let (savedA, savedB) = (isTracked(b) ? a : nil, isTracked(a) ? b : nil)
        append(out) { [base] gradient in
            var pairs: [(UInt64, Tensor)] = []
            if let savedB { pairs.append((aID, base.multiply(gradient, savedB))) }
            if let savedA { pairs.append((bID, Self.reduced(base.multiply(gradient, savedA), to: bShape, base))) }
            return pairs
        }
        return out
    }

    /// The gradient of an operand broadcast to `gradient`'s shape.
    private static func reduced(_ gradient: Tensor, to shape: [Int], _ base: any Backend) -> Tensor {
        gradient.shape == shape ? gradient : base.sum(gradient, toShape: shape)
    }

    public func linearCombination(_ terms: [(Float, Tensor)]) -> Tensor {
        let out = base.linearCombination(terms)
        if keepsOps && terms.contains(where: { isTracked($0.1) }) {
            let trackedTerms = terms.filter { isTracked($0.1) }.map { ($0.0, $0.1.storage.id) }
            append(out) { [base] gradient in
                trackedTerms.map { coefficient, id in
                    (id, coefficient == 1 ? gradient : base.linearCombination([(coefficient, gradient)]))
                }
            }
        }
        return out
    }

    public func clamp(_ x: Tensor, min: Float, max: Float) -> Tensor {
        precondition(!needsRecording(x), "clamp has no gradient; no trainable path goes through it")
        return base.clamp(x, min: min, max: max)
    }

    public func exp(_ x: Tensor) -> Tensor {
        let out = base.exp(x)
        if needsRecording(x) {
            append(out) { [base] gradient in [(x.storage.id, base.multiply(gradient, out))] }
        }
        return out
    }

    // MARK: Resampling and lookup

    public func upsampleNearest(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let out = base.upsampleNearest(x, height: height, width: width)
        if needsRecording(x) {
            let (id, height, width) = (x.storage.id, x.shape[1], x.shape[2])
            append(out) { [base] gradient in
                [(id, base.upsampleNearestBackward(gradient, inputHeight: height, inputWidth: width))]
            }
        }
        return out
    }

    public func embedding(_ ids: [Int32], table: Tensor) -> Tensor {
        precondition(!needsRecording(table), "embedding tables are frozen: no gradient op for them")
        return base.embedding(ids, table: table)
    }

    // MARK: Gradients (not differentiated again)

    public func sum(_ x: Tensor, toShape shape: [Int]) -> Tensor { base.sum(x, toShape: shape) }

    public func conv2dBackwardInput(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int, padding: Padding2D
    ) -> Tensor {
        base.conv2dBackwardInput(gradOutput, weight: weight, inputShape: inputShape, stride: stride, padding: padding)
    }

    public func conv2dBackwardWeight(
        _ gradOutput: Tensor, input: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D
    ) -> Tensor {
        base.conv2dBackwardWeight(
            gradOutput, input: input, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
            padding: padding)
    }

    public func groupNormBackward(
        _ gradOutput: Tensor, input: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float,
        activation: Activation?, parameterGradients: Bool
    ) -> NormalizationGradients {
        base.groupNormBackward(
            gradOutput, input: input, groups: groups, weight: weight, bias: bias, eps: eps, activation: activation,
            parameterGradients: parameterGradients)
    }

    public func layerNormBackward(
        _ gradOutput: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, eps: Float, parameterGradients: Bool
    ) -> NormalizationGradients {
        base.layerNormBackward(
            gradOutput, input: input, weight: weight, bias: bias, eps: eps, parameterGradients: parameterGradients)
    }

    public func activationBackward(_ gradOutput: Tensor, input: Tensor, _ kind: Activation) -> Tensor {
        base.activationBackward(gradOutput, input: input, kind)
    }

    public func gegluBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor {
        base.gegluBackward(gradOutput, input: input)
    }

    public func attentionBackward(
        _ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool
    ) -> (query: Tensor, key: Tensor, value: Tensor) {
        base.attentionBackward(gradOutput, query: query, key: key, value: value, heads: heads, causal: causal)
    }

    public func upsampleNearestBackward(_ gradOutput: Tensor, inputHeight: Int, inputWidth: Int) -> Tensor {
        base.upsampleNearestBackward(gradOutput, inputHeight: inputHeight, inputWidth: inputWidth)
    }

    public func scatterAddRows(_ x: Tensor, rows: [Int], count: Int) -> Tensor {
        base.scatterAddRows(x, rows: rows, count: count)
    }

    // MARK: Random numbers

    public func randomNormal(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor {
        base.randomNormal(shape, dtype: dtype, seed: seed, stream: stream, offset: offset)
    }

    public func randomUniform(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor {
        base.randomUniform(shape, dtype: dtype, seed: seed, stream: stream, offset: offset)
    }

    public func dropoutMask(
        _ shape: [Int], dropProbability: Float, seed: UInt64, stream: UInt32, offset: UInt64
    ) -> Tensor {
        base.dropoutMask(shape, dropProbability: dropProbability, seed: seed, stream: stream, offset: offset)
    }
}

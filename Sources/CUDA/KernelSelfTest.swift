import Foundation
import Tensors

/// `lorad doctor --self-test`: runs every kernel on a GPU and compares it with the CPU backend's op on random
/// inputs, in each storage type. The softmax helpers (the CPU backend fuses them into attention) are compared with
/// a double-precision host computation, and the AdamW step with a reference the caller supplies (the CPU optimizer).
public struct KernelSelfTest {
    /// One kernel's comparison.
    public struct Check: Sendable {
        /// The kernel, e.g. `group_norm_bf16`.
        public var kernel: String
        /// The largest `|gpu − reference| / (atol + rtol·|reference|)` over the outputs; at most 1 passes.
        public var worstRatio: Float
        /// A CUDA error that stopped the check, or a difference in shape.
        public var failure: String?

        public var passed: Bool { failure == nil && worstRatio <= 1 }
    }

    /// Runs one AdamW step per gradient in order from `parameters` and zero state, returning the final parameters
    /// and state.
    public typealias AdamWReference =
        @Sendable (
            _ parameters: [Float], _ gradients: [[Float]], _ hyperparameters: AdamWHyperparameters
        ) throws -> (parameters: [Float], expAvg: [Float], expAvgSq: [Float])

    /// Absolute and relative tolerance per storage type: the output's rounding (half an ulp of the type) plus f32
    /// statistics against the CPU's double ones.
    static func tolerance(_ dtype: DType) -> (absolute: Float, relative: Float) {
        switch dtype {
        case .float32: (2e-5, 2e-4)
        case .float16: (2e-3, 4e-3)
        case .bfloat16: (2e-2, 1.6e-2)
        }
    }

    let kernels: KernelLibrary
    let stream: CUDAStream
    let cpu = CPUBackend()

    public init(kernels: KernelLibrary) throws(CUDAError) {
        self.kernels = kernels
        self.stream = try kernels.device.makeStream()
    }

    /// Every check, in each storage type.
    public func run(adamW: AdamWReference) -> [Check] {
        var checks: [Check] = []
        for dtype in DType.allCases {
            checks += elementwiseChecks(dtype) + activationChecks(dtype) + normalizationChecks(dtype)
            checks += softmaxChecks(dtype) + layoutChecks(dtype) + randomChecks(dtype)
        }
        checks.append(adamWCheck(adamW))
        return checks
    }

    // MARK: Comparison

    /// A random input: normal draws rounded to `dtype`, as values and as a CPU tensor.
    struct Input {
        var shape: [Int]
        var values: [Float]
        var tensor: Tensor
    }

    private static let seed: UInt64 = 0x5EED_1057

    private func input(_ shape: [Int], _ dtype: DType, stream number: UInt32, scale: Float = 1) -> Input {
        let draws = cpu.download(
            cpu.randomNormal(shape, dtype: .float32, seed: Self.seed, stream: number, offset: 0))
        let values = StorageConversion.rounded(draws.map { $0 * scale }, to: dtype)
        return Input(shape: shape, values: values, tensor: cpu.upload(values, shape: shape, dtype: .float32))
    }

    private func compare(
        _ kernel: String, _ dtype: DType, _ body: () throws(CUDAError) -> [(gpu: [Float], reference: [Float])]
    ) -> Check {
        let (absolute, relative) = Self.tolerance(dtype)
        do {
            var worst: Float = 0
            for (gpu, reference) in try body() {
                guard gpu.count == reference.count else {
                    return Check(
                        kernel: kernel, worstRatio: .infinity,
                        failure: "\(gpu.count) values, expected \(reference.count)")
                }
                for (g, r) in zip(gpu, reference) {
                    let ratio = abs(g - r) / (absolute + relative * abs(r))
                    worst = max(worst, ratio.isNaN ? .infinity : ratio)
                }
            }
            return Check(kernel: kernel, worstRatio: worst, failure: nil)
        } catch {
            return Check(kernel: kernel, worstRatio: .infinity, failure: error.description)
        }
    }

    // MARK: Device helpers

    private func upload(_ values: [Float], _ dtype: DType) throws(CUDAError) -> DeviceBuffer {
        let bytes = StorageConversion.bytes(values, as: dtype)
        let buffer = try stream.allocate(byteCount: bytes.count)
        try stream.upload(bytes, to: buffer)
        return buffer
    }

    private func upload(indices: [Int32]) throws(CUDAError) -> DeviceBuffer {
        let buffer = try stream.allocate(byteCount: indices.count * 4)
        try stream.upload(indices, to: buffer)
        return buffer
    }

    private func zeros(_ count: Int, _ dtype: DType) throws(CUDAError) -> DeviceBuffer {
        let buffer = try stream.allocate(byteCount: count * dtype.byteSize)
        try stream.zero(buffer)
        return buffer
    }

    private func download(_ buffer: DeviceBuffer, count: Int, _ dtype: DType) throws(CUDAError) -> [Float] {
        StorageConversion.floats(
            try stream.download(buffer, count: count * dtype.byteSize, as: UInt8.self), as: dtype)
    }

    /// Launches a grid-stride kernel over `count` elements.
    private func launch(
        _ file: String, _ name: String, count: Int, _ build: (inout KernelArguments) -> Void
    ) throws(CUDAError) {
        try launch(file, name, blocks: max(1, min((count + 255) / 256, 65_535)), build)
    }

    private func launch(
        _ file: String, _ name: String, blocks: Int, _ build: (inout KernelArguments) -> Void
    ) throws(CUDAError) {
        var arguments = KernelArguments()
        build(&arguments)
        let function = try kernels.function(name, in: file)
        try stream.launch(function, grid: (blocks, 1, 1), block: (256, 1, 1), arguments: arguments)
    }

    // MARK: Checks

    private func elementwiseChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        let a = input([2, 3, 4, 5], dtype, stream: 1)
        let b = input([4, 1], dtype, stream: 2)
        // b's strides in a's index space: b padded to [1, 1, 4, 1], zero where it broadcasts.
        var layout = KernelStruct()
        layout.append(Int32(4))
        layout.append(array: [Int64(2), 3, 4, 5], count: 8)
        layout.append(array: [Int64(0), 0, 1, 0], count: 8)
        func broadcast(_ kernel: String, _ reference: Tensor) -> Check {
            compare("\(kernel)_\(s)", dtype) { () throws(CUDAError) in
                let (x, y) = (try upload(a.values, dtype), try upload(b.values, dtype))
                let out = try zeros(a.values.count, dtype)
                try launch("broadcast.cu", "\(kernel)_\(s)", count: a.values.count) {
                    $0.append(x)
                    $0.append(y)
                    $0.append(out)
                    $0.append(Int64(a.values.count))
                    $0.append(layout)
                }
                return [(try download(out, count: a.values.count, dtype), cpu.download(reference))]
            }
        }
        let c = input([2, 3, 4, 5], dtype, stream: 3)
        let linear = compare("linear_combination_\(s)", dtype) { () throws(CUDAError) in
            let (x, y) = (try upload(a.values, dtype), try upload(c.values, dtype))
            let out = try zeros(a.values.count, dtype)
            var terms = KernelStruct()
            terms.append(array: [x.address, y.address, x.address], count: 8)
            terms.append(array: [Float(0.5), -1.25, 2], count: 8)
            terms.append(Int32(3))
            try launch("linear_combination.cu", "linear_combination_\(s)", count: a.values.count) {
                $0.append(terms)
                $0.append(out)
                $0.append(Int64(a.values.count))
            }
            let reference = cpu.linearCombination([(0.5, a.tensor), (-1.25, c.tensor), (2, a.tensor)])
            return [(try download(out, count: a.values.count, dtype), cpu.download(reference))]
        }
        func pointwise(_ kernel: String, _ reference: Tensor, _ scalars: [Float]) -> Check {
            compare("\(kernel)_\(s)", dtype) { () throws(CUDAError) in
                let x = try upload(a.values, dtype)
                let out = try zeros(a.values.count, dtype)
                try launch("pointwise.cu", "\(kernel)_\(s)", count: a.values.count) {
                    $0.append(x)
                    $0.append(out)
                    $0.append(Int64(a.values.count))
                    for scalar in scalars { $0.append(scalar) }
                }
                return [(try download(out, count: a.values.count, dtype), cpu.download(reference))]
            }
        }
        let x = input([3, 4, 5], dtype, stream: 4)
        let sums = [[4, 1], [1], [3, 1, 5]].map { shape in
            compare("sum_to_shape_\(s) to \(shape)", dtype) { () throws(CUDAError) in
                let padded = [Int](repeating: 1, count: 3 - shape.count) + shape
                let count = shape.reduce(1, *)
                let (source, out) = (try upload(x.values, dtype), try zeros(count, dtype))
                var reduction = KernelStruct()
                reduction.append(Int32(3))
                reduction.append(array: x.shape.map(Int64.init), count: 8)
                reduction.append(array: padded.map(Int64.init), count: 8)
                try launch("sum_to_shape.cu", "sum_to_shape_\(s)", blocks: count) {
                    $0.append(source)
                    $0.append(out)
                    $0.append(reduction)
                }
                return [(try download(out, count: count, dtype), cpu.download(cpu.sum(x.tensor, toShape: shape)))]
            }
        }
        let casts = DType.allCases.map { target in
            compare("cast_\(s)_to_\(target.kernelSuffix)", target) { () throws(CUDAError) in
                let (source, out) = (try upload(a.values, dtype), try zeros(a.values.count, target))
                try launch("cast.cu", "cast_\(s)_to_\(target.kernelSuffix)", count: a.values.count) {
                    $0.append(source)
                    $0.append(out)
                    $0.append(Int64(a.values.count))
                }
                return [
                    (try download(out, count: a.values.count, target), StorageConversion.rounded(a.values, to: target))
                ]
            }
        }
        return [
            broadcast("add", cpu.add(a.tensor, b.tensor)), broadcast("multiply", cpu.multiply(a.tensor, b.tensor)),
            linear, pointwise("clamp", cpu.clamp(a.tensor, min: -0.5, max: 0.7), [-0.5, 0.7]),
            pointwise("exp", cpu.exp(a.tensor), []),
        ] + sums + casts
    }

    private func activationChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        let x = input([4, 6, 10], dtype, stream: 5, scale: 2)
        let upstream = input([4, 6, 10], dtype, stream: 6)
        let count = x.values.count
        var checks: [Check] = []
        for (kind, activation) in [(Int32(0), Activation.silu), (1, .gelu), (2, .quickGELU)] {
            checks.append(
                compare("activation_\(s) \(activation.rawValue)", dtype) { () throws(CUDAError) in
                    let (source, out) = (try upload(x.values, dtype), try zeros(count, dtype))
                    try launch("activations.cu", "activation_\(s)", count: count) {
                        $0.append(source)
                        $0.append(out)
                        $0.append(Int64(count))
                        $0.append(kind)
                    }
                    return [
                        (try download(out, count: count, dtype), cpu.download(cpu.activation(x.tensor, activation)))
                    ]
                })
            checks.append(
                compare("activation_backward_\(s) \(activation.rawValue)", dtype) { () throws(CUDAError) in
                    let (gradient, source) = (try upload(upstream.values, dtype), try upload(x.values, dtype))
                    let out = try zeros(count, dtype)
                    try launch("activations.cu", "activation_backward_\(s)", count: count) {
                        $0.append(gradient)
                        $0.append(source)
                        $0.append(out)
                        $0.append(Int64(count))
                        $0.append(kind)
                    }
                    let reference = cpu.activationBackward(upstream.tensor, input: x.tensor, activation)
                    return [(try download(out, count: count, dtype), cpu.download(reference))]
                })
        }
        let (rows, width) = (24, 5)
        let halfUpstream = input([4, 6, 5], dtype, stream: 7)
        checks.append(
            compare("geglu_\(s)", dtype) { () throws(CUDAError) in
                let (source, out) = (try upload(x.values, dtype), try zeros(rows * width, dtype))
                try launch("activations.cu", "geglu_\(s)", count: rows * width) {
                    $0.append(source)
                    $0.append(out)
                    $0.append(Int64(rows))
                    $0.append(Int64(width))
                }
                return [(try download(out, count: rows * width, dtype), cpu.download(cpu.geglu(x.tensor)))]
            })
        checks.append(
            compare("geglu_backward_\(s)", dtype) { () throws(CUDAError) in
                let (gradient, source) = (try upload(halfUpstream.values, dtype), try upload(x.values, dtype))
                let out = try zeros(count, dtype)
                try launch("activations.cu", "geglu_backward_\(s)", count: rows * width) {
                    $0.append(gradient)
                    $0.append(source)
                    $0.append(out)
                    $0.append(Int64(rows))
                    $0.append(Int64(width))
                }
                let reference = cpu.gegluBackward(halfUpstream.tensor, input: x.tensor)
                return [(try download(out, count: count, dtype), cpu.download(reference))]
            })
        return checks
    }

    private func normalizationChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        let (samples, positions, channels, groups) = (2, 12, 8, 4)
        let eps: Float = 1e-5
        let x = input([samples, 3, 4, channels], dtype, stream: 8, scale: 3)
        let upstream = input(x.shape, dtype, stream: 9)
        let weight = input([channels], dtype, stream: 10)
        let bias = input([channels], dtype, stream: 11)
        let count = x.values.count
        var checks: [Check] = []
        for (kind, activation) in [(Int32(-1), Activation?.none), (0, .silu)] {
            let label = activation?.rawValue ?? "no activation"
            checks.append(
                compare("group_norm_\(s) \(label)", dtype) { () throws(CUDAError) in
                    let (source, gamma, beta) = (
                        try upload(x.values, dtype), try upload(weight.values, dtype), try upload(bias.values, dtype)
                    )
                    let out = try zeros(count, dtype)
                    try launch("group_norm.cu", "group_norm_\(s)", blocks: samples * groups) {
                        $0.append(source)
                        $0.append(gamma)
                        $0.append(beta)
                        $0.append(out)
                        $0.append(Int32(positions))
                        $0.append(Int32(channels))
                        $0.append(Int32(groups))
                        $0.append(eps)
                        $0.append(kind)
                    }
                    let reference = cpu.groupNorm(
                        x.tensor, groups: groups, weight: weight.tensor, bias: bias.tensor, eps: eps,
                        activation: activation)
                    return [(try download(out, count: count, dtype), cpu.download(reference))]
                })
            checks.append(
                compare("group_norm_backward_\(s) \(label)", dtype) { () throws(CUDAError) in
                    let (gradient, source) = (try upload(upstream.values, dtype), try upload(x.values, dtype))
                    let (gamma, beta) = (try upload(weight.values, dtype), try upload(bias.values, dtype))
                    let out = try zeros(count, dtype)
                    let partial = try zeros(samples * channels * 2, .float32)
                    let (weightGradient, biasGradient) = (try zeros(channels, dtype), try zeros(channels, dtype))
                    try launch("group_norm.cu", "group_norm_backward_\(s)", blocks: samples * groups) {
                        for buffer in [gradient, source, gamma, beta, out, partial] { $0.append(buffer) }
                        $0.append(Int32(positions))
                        $0.append(Int32(channels))
                        $0.append(Int32(groups))
                        $0.append(eps)
                        $0.append(kind)
                    }
                    try launch("group_norm.cu", "group_norm_parameter_gradients_\(s)", count: channels) {
                        for buffer in [partial, weightGradient, biasGradient] { $0.append(buffer) }
                        $0.append(Int32(samples))
                        $0.append(Int32(channels))
                    }
                    let reference = cpu.groupNormBackward(
                        upstream.tensor, input: x.tensor, groups: groups, weight: weight.tensor, bias: bias.tensor,
                        eps: eps, activation: activation, parameterGradients: true)
                    return [
                        (try download(out, count: count, dtype), cpu.download(reference.input)),
                        (try download(weightGradient, count: channels, dtype), cpu.download(reference.weight!)),
                        (try download(biasGradient, count: channels, dtype), cpu.download(reference.bias!)),
                    ]
                })
        }
        let (rows, width) = (6, 40)
        let y = input([rows, width], dtype, stream: 12, scale: 2)
        let rowUpstream = input([rows, width], dtype, stream: 13)
        let rowWeight = input([width], dtype, stream: 14)
        let rowBias = input([width], dtype, stream: 15)
        checks.append(
            compare("layer_norm_\(s)", dtype) { () throws(CUDAError) in
                let (source, gamma, beta) = (
                    try upload(y.values, dtype), try upload(rowWeight.values, dtype), try upload(rowBias.values, dtype)
                )
                let out = try zeros(rows * width, dtype)
                try launch("layer_norm.cu", "layer_norm_\(s)", blocks: rows) {
                    for buffer in [source, gamma, beta, out] { $0.append(buffer) }
                    $0.append(Int32(width))
                    $0.append(eps)
                }
                let reference = cpu.layerNorm(y.tensor, weight: rowWeight.tensor, bias: rowBias.tensor, eps: eps)
                return [(try download(out, count: rows * width, dtype), cpu.download(reference))]
            })
        checks.append(
            compare("layer_norm_backward_\(s)", dtype) { () throws(CUDAError) in
                let (gradient, source, gamma) = (
                    try upload(rowUpstream.values, dtype), try upload(y.values, dtype),
                    try upload(rowWeight.values, dtype)
                )
                let out = try zeros(rows * width, dtype)
                let statistics = try zeros(rows * 2, .float32)
                let (weightGradient, biasGradient) = (try zeros(width, dtype), try zeros(width, dtype))
                try launch("layer_norm.cu", "layer_norm_backward_\(s)", blocks: rows) {
                    for buffer in [gradient, source, gamma, out, statistics] { $0.append(buffer) }
                    $0.append(Int32(width))
                    $0.append(eps)
                }
                try launch("layer_norm.cu", "layer_norm_parameter_gradients_\(s)", count: width) {
                    for buffer in [gradient, source, statistics, weightGradient, biasGradient] { $0.append(buffer) }
                    $0.append(Int32(rows))
                    $0.append(Int32(width))
                }
                let reference = cpu.layerNormBackward(
                    rowUpstream.tensor, input: y.tensor, weight: rowWeight.tensor, bias: rowBias.tensor, eps: eps,
                    parameterGradients: true)
                return [
                    (try download(out, count: rows * width, dtype), cpu.download(reference.input)),
                    (try download(weightGradient, count: width, dtype), cpu.download(reference.weight!)),
                    (try download(biasGradient, count: width, dtype), cpu.download(reference.bias!)),
                ]
            })
        return checks
    }

    private func softmaxChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        let (queries, columns, scale) = (4, 7, Float(0.37))
        let rows = 3 * queries
        let scores = input([rows, columns], dtype, stream: 16, scale: 3)
        let upstream = input([rows, columns], dtype, stream: 17)
        return [false, true].flatMap { causal -> [Check] in
            // y = softmax(scale·s) over each row's visible columns, in double.
            var probabilities = [Float](repeating: 0, count: rows * columns)
            for row in 0..<rows {
                let visible = causal ? min(columns, row % queries + 1) : columns
                let logits = (0..<visible).map { Double(scale) * Double(scores.values[row * columns + $0]) }
                let maximum = logits.max()!
                let total = logits.map { Foundation.exp($0 - maximum) }.reduce(0, +)
                for i in 0..<visible {
                    probabilities[row * columns + i] = Float(Foundation.exp(logits[i] - maximum) / total)
                }
            }
            let rounded = StorageConversion.rounded(probabilities, to: dtype)
            var gradient = [Float](repeating: 0, count: rows * columns)
            for row in 0..<rows {
                let range = (row * columns)..<((row + 1) * columns)
                let dot = range.reduce(0.0) { $0 + Double(rounded[$1]) * Double(upstream.values[$1]) }
                for i in range {
                    gradient[i] = Float(Double(scale) * Double(rounded[i]) * (Double(upstream.values[i]) - dot))
                }
            }
            let label = causal ? "causal" : "full"
            return [
                compare("softmax_\(s) \(label)", dtype) { () throws(CUDAError) in
                    let (source, out) = (try upload(scores.values, dtype), try zeros(rows * columns, dtype))
                    try launch("softmax.cu", "softmax_\(s)", blocks: rows) {
                        $0.append(source)
                        $0.append(out)
                        $0.append(Int32(columns))
                        $0.append(scale)
                        $0.append(Int32(causal ? 1 : 0))
                        $0.append(Int32(queries))
                    }
                    return [(try download(out, count: rows * columns, dtype), probabilities)]
                },
                compare("softmax_backward_\(s) \(label)", dtype) { () throws(CUDAError) in
                    let (y, dy) = (try upload(rounded, dtype), try upload(upstream.values, dtype))
                    let out = try zeros(rows * columns, dtype)
                    try launch("softmax.cu", "softmax_backward_\(s)", blocks: rows) {
                        $0.append(y)
                        $0.append(dy)
                        $0.append(out)
                        $0.append(Int32(columns))
                        $0.append(scale)
                    }
                    return [(try download(out, count: rows * columns, dtype), gradient)]
                },
            ]
        }
    }

    private func layoutChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        let (images, height, width, channels, outHeight, outWidth) = (2, 3, 5, 4, 7, 9)
        let x = input([images, height, width, channels], dtype, stream: 18)
        let upstream = input([images, outHeight, outWidth, channels], dtype, stream: 19)
        let sizes = [images, height, width, channels, outHeight, outWidth].map(Int32.init)
        let upsample = compare("upsample_nearest_\(s)", dtype) { () throws(CUDAError) in
            let count = upstream.values.count
            let (source, out) = (try upload(x.values, dtype), try zeros(count, dtype))
            try launch("upsample_nearest.cu", "upsample_nearest_\(s)", count: count) {
                $0.append(source)
                $0.append(out)
                for size in sizes { $0.append(size) }
            }
            let reference = cpu.upsampleNearest(x.tensor, height: outHeight, width: outWidth)
            return [(try download(out, count: count, dtype), cpu.download(reference))]
        }
        let upsampleBackward = compare("upsample_nearest_backward_\(s)", dtype) { () throws(CUDAError) in
            let count = x.values.count
            let (gradient, out) = (try upload(upstream.values, dtype), try zeros(count, dtype))
            try launch("upsample_nearest.cu", "upsample_nearest_backward_\(s)", count: count) {
                $0.append(gradient)
                $0.append(out)
                for size in sizes { $0.append(size) }
            }
            let reference = cpu.upsampleNearestBackward(upstream.tensor, inputHeight: height, inputWidth: width)
            return [(try download(out, count: count, dtype), cpu.download(reference))]
        }
        let table = input([10, 6], dtype, stream: 20)
        let rows: [Int32] = [3, 0, 9, 3]
        let gather = compare("gather_rows_\(s)", dtype) { () throws(CUDAError) in
            let (source, indices) = (try upload(table.values, dtype), try upload(indices: rows))
            let out = try zeros(rows.count * 6, dtype)
            try launch("rows.cu", "gather_rows_\(s)", count: rows.count * 6) {
                $0.append(source)
                $0.append(indices)
                $0.append(out)
                $0.append(Int64(rows.count))
                $0.append(Int64(6))
            }
            return [
                (
                    try download(out, count: rows.count * 6, dtype),
                    cpu.download(cpu.embedding(rows, table: table.tensor))
                )
            ]
        }
        let scattered = input([5, 6], dtype, stream: 21)
        let targets = [2, 0, 2, 4, 2]
        let scatter = compare("scatter_add_rows_\(s)", dtype) { () throws(CUDAError) in
            // CSR lists of the sources of each of the 6 target rows, in increasing source index.
            var offsets: [Int32] = [0]
            var sources: [Int32] = []
            for row in 0..<6 {
                sources += targets.indices.filter { targets[$0] == row }.map(Int32.init)
                offsets.append(Int32(sources.count))
            }
            let (source, starts, lists) = (
                try upload(scattered.values, dtype), try upload(indices: offsets), try upload(indices: sources)
            )
            let out = try zeros(6 * 6, dtype)
            try launch("rows.cu", "scatter_add_rows_\(s)", count: 36) {
                for buffer in [source, starts, lists, out] { $0.append(buffer) }
                $0.append(Int64(6))
                $0.append(Int64(6))
            }
            let reference = cpu.scatterAddRows(scattered.tensor, rows: targets, count: 6)
            return [(try download(out, count: 36, dtype), cpu.download(reference))]
        }
        return [upsample, upsampleBackward, gather, scatter]
    }

    private func randomChecks(_ dtype: DType) -> [Check] {
        let s = dtype.kernelSuffix
        // An offset that is not a multiple of 4 starts in the middle of a Philox block.
        let (count, seed, streamNumber, offset): (Int, UInt64, UInt32, UInt64) = (1001, 0x1234_5678_9ABC, 3, 6)
        func draw(_ kernel: String, _ reference: Tensor, probability: Float? = nil) -> Check {
            compare("\(kernel)_\(s)", dtype) { () throws(CUDAError) in
                let out = try zeros(count, dtype)
                try launch("philox.cu", "\(kernel)_\(s)", count: count) {
                    $0.append(out)
                    $0.append(Int64(count))
                    if let probability { $0.append(probability) }
                    $0.append(seed)
                    $0.append(streamNumber)
                    $0.append(offset)
                }
                return [(try download(out, count: count, dtype), cpu.download(reference))]
            }
        }
        return [
            draw(
                "random_normal",
                cpu.randomNormal([count], dtype: dtype, seed: seed, stream: streamNumber, offset: offset)),
            draw(
                "random_uniform",
                cpu.randomUniform([count], dtype: dtype, seed: seed, stream: streamNumber, offset: offset)),
            draw(
                "dropout_mask",
                cpu.dropoutMask([count], dropProbability: 0.3, seed: seed, stream: streamNumber, offset: offset),
                probability: 0.3),
        ]
    }

    private func adamWCheck(_ reference: AdamWReference) -> Check {
        let count = 300
        let parameters = input([count], .float32, stream: 22).values
        let gradients = [input([count], .float32, stream: 23).values, input([count], .float32, stream: 24).values]
        let hyperparameters = AdamWHyperparameters(
            learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        let expected: (parameters: [Float], expAvg: [Float], expAvgSq: [Float])
        do { expected = try reference(parameters, gradients, hyperparameters) } catch {
            return Check(
                kernel: "adamw_step", worstRatio: .infinity, failure: "the reference optimizer failed: \(error)")
        }
        return compare("adamw_step", .float32) { () throws(CUDAError) in
            let (p, m, v) = (try upload(parameters, .float32), try zeros(count, .float32), try zeros(count, .float32))
            for (index, gradient) in gradients.enumerated() {
                let g = try upload(gradient, .float32)
                try launch("adamw.cu", "adamw_step", count: count) {
                    for buffer in [p, g, m, v] { $0.append(buffer) }
                    $0.append(Int64(count))
                    $0.append(hyperparameters.kernelScalars(step: index + 1))
                }
            }
            return [
                (try download(p, count: count, .float32), expected.parameters),
                (try download(m, count: count, .float32), expected.expAvg),
                (try download(v, count: count, .float32), expected.expAvgSq),
            ]
        }
    }
}

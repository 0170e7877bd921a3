/// Where a model parameter lies in a checkpoint: the stored tensor and how its stored form becomes the parameter.
struct TensorLocator: Equatable, Sendable {
    enum Transform: Equatable, Sendable {
        /// Stored as the model wants it.
        case identity
        /// A linear weight stored as a 1×1 convolution, `[out, in, 1, 1]` or `[out, in, 1]` (the LDM VAE's
        /// attention); stored `[out, in]` is taken as it is, as diffusers' `conv_attn_to_linear` does.
        case squeezeToMatrix
        /// Block `index` of `count` equal blocks of rows (OpenCLIP's fused `in_proj_weight`, rows q, k, v).
        case rowBlock(index: Int, count: Int)
        /// A matrix stored transposed (OpenCLIP's `text_projection` is `[width, projection]`).
        case transpose
    }

    var key: String
    var transform: Transform = .identity

    /// The parameter's shape for a stored tensor of shape `stored`, or `nil` when the transform cannot apply.
    func parameterShape(stored: [Int]) -> [Int]? {
        switch transform {
        case .identity:
            return stored
        case .squeezeToMatrix:
            guard stored.count >= 2, stored.dropFirst(2).allSatisfy({ $0 == 1 }) else { return nil }
            return Array(stored.prefix(2))
        case .rowBlock(_, let count):
            guard let rows = stored.first, rows > 0, rows % count == 0 else { return nil }
            return [rows / count] + stored.dropFirst()
        case .transpose:
            guard stored.count == 2 else { return nil }
            return [stored[1], stored[0]]
        }
    }
}

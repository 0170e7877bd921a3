/// A dense, contiguous (row-major) array of `dtype` elements on one device.
///
/// Tensors are values: ops never change an input, they return new tensors. Reshaping shares the storage.
/// Image-like activations are channels-last (NHWC); weights follow the layouts documented on each `Backend` op.
public struct Tensor: Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let dtype: DType
    public let storage: TensorStorage

    public init(shape: [Int], dtype: DType, storage: TensorStorage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            storage.device == .meta || storage.byteCount >= Tensor.elementCount(of: shape) * dtype.byteSize,
            "storage of \(storage.byteCount) bytes is too small for \(shape) \(dtype)")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    /// A tensor with a shape and no memory, for enumerating parameters.
    public static func meta(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(shape: shape, dtype: dtype, storage: .meta)
    }

    public var device: Device { storage.device }
    public var rank: Int { shape.count }
    public var elementCount: Int { Tensor.elementCount(of: shape) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    public static func elementCount(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The same elements under another shape; one dimension may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && elementCount % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = elementCount / known
        }
        precondition(Tensor.elementCount(of: resolved) == elementCount, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: resolved, dtype: dtype, storage: storage)
    }

    public var description: String { "Tensor(\(shape), \(dtype), \(device))" }
}

/// One tensor described by a safetensors header, already validated against the file.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// Dimensions in C (row-major) order; `[]` for a scalar.
    public let shape: [Int]
    /// Where the tensor's bytes lie, relative to the start of the data section (the byte after the header).
    public let dataRange: Range<Int>

    /// The number of elements: the product of `shape`, 1 for a scalar. Validation guarantees it does not overflow.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The number of bytes of data, `elementCount * dtype.byteSize`.
    public var byteCount: Int { dataRange.count }
}

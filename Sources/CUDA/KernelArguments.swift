/// The arguments of one kernel launch, in order, each copied into memory of its own: `cuLaunchKernel` takes an
/// array of pointers to the values. Values are plain C data (pointers as `UInt64` device addresses, integers,
/// floats, and structs laid out as the kernel's).
public struct KernelArguments {
    private var values: [[UInt8]] = []

    public init() {}

    /// Appends `value`'s bytes; its Swift layout must match the kernel parameter's C layout.
    public mutating func append<T: BitwiseCopyable>(_ value: T) {
        values.append(withUnsafeBytes(of: value) { Array($0) })
    }

    public mutating func append(_ buffer: DeviceBuffer) { append(buffer.address) }

    /// Appends a struct argument built field by field.
    public mutating func append(_ value: KernelStruct) { values.append(value.bytes) }

    /// Calls `body` with the `void**` array `cuLaunchKernel` expects, valid only during the call.
    func withParameterArray<R>(_ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) throws(CUDAError) -> R)
        throws(CUDAError) -> R
    {
        // 8-byte aligned copies: a kernel reads its parameters at their natural alignment.
        let storage = values.map { bytes -> UnsafeMutableRawPointer in
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
            bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return memory
        }
        defer { storage.forEach { $0.deallocate() } }
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(storage.count, 1))
        defer { pointers.deallocate() }
        for (index, memory) in storage.enumerated() { pointers[index] = memory }
        return try body(pointers)
    }
}

/// The bytes of a C struct passed by value to a kernel, laid out as the compiler does: each field at the next
/// multiple of its size, the whole padded to a multiple of its largest field.
public struct KernelStruct {
    private var fields: [UInt8] = []
    private var alignment = 1

    public init() {}

    public mutating func append<T: BitwiseCopyable & FixedWidthInteger>(_ value: T) { field(value) }

    public mutating func append(_ value: Float) { field(value) }

    /// A C array field of `count` elements: `values` followed by zeros.
    public mutating func append<T: BitwiseCopyable & FixedWidthInteger>(array values: [T], count: Int) {
        precondition(values.count <= count, "\(values.count) values for a \(count)-element field")
        for value in values + [T](repeating: 0, count: count - values.count) { field(value) }
    }

    public mutating func append(array values: [Float], count: Int) {
        precondition(values.count <= count, "\(values.count) values for a \(count)-element field")
        for value in values + [Float](repeating: 0, count: count - values.count) { field(value) }
    }

    /// The struct's bytes, tail padding included.
    var bytes: [UInt8] { fields + [UInt8](repeating: 0, count: (alignment - fields.count % alignment) % alignment) }

    private mutating func field<T: BitwiseCopyable>(_ value: T) {
        let size = MemoryLayout<T>.size
        fields += [UInt8](repeating: 0, count: (size - fields.count % size) % size)
        fields += withUnsafeBytes(of: value) { Array($0) }
        alignment = max(alignment, size)
    }
}

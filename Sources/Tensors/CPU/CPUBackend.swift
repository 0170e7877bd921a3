import Foundation

/// The reference backend: computes in `float32` on the host, matrix products through BLAS (OpenBLAS), elementwise
/// work spread over the cores. The ops live in one extension per op family.
public final class CPUBackend: Backend {
    public let device = Device.cpu
    public let computeDType = DType.float32

    public init() {}

    /// A new, uninitialised `float32` host tensor.
    func allocate(_ shape: [Int]) -> Tensor {
        Tensor(
            shape: shape, dtype: .float32,
            storage: .allocateHost(byteCount: Tensor.elementCount(of: shape) * DType.float32.byteSize))
    }

    /// The elements of a host `float32` tensor.
    func floats(_ x: Tensor) -> UnsafeMutablePointer<Float> {
        precondition(x.device == .cpu, "\(x) is not on the CPU")
        precondition(x.dtype == .float32, "the CPU backend computes in float32, got \(x)")
        guard let address = x.storage.address else { preconditionFailure("\(x) has no memory") }
        return address.assumingMemoryBound(to: Float.self)
    }

    /// Applies `transform` to every element of `x` into a new tensor of the same shape.
    func map(_ x: Tensor, _ transform: @escaping (Float) -> Float) -> Tensor {
        let out = allocate(x.shape)
        let (src, dst) = (floats(x), floats(out))
        Parallel.forEachChunk(x.elementCount) { range in
            for i in range { dst[i] = transform(src[i]) }
        }
        return out
    }

    // MARK: Memory

    public func upload(_ values: [Float], shape: [Int], dtype: DType) -> Tensor {
        precondition(values.count == Tensor.elementCount(of: shape), "\(values.count) values for shape \(shape)")
        return values.withUnsafeBytes { upload(bytes: $0, sourceDType: .float32, shape: shape, dtype: dtype) }
    }

    public func upload(bytes: UnsafeRawBufferPointer, sourceDType: DType, shape: [Int], dtype: DType) -> Tensor {
        let count = Tensor.elementCount(of: shape)
        precondition(bytes.count == count * sourceDType.byteSize, "\(bytes.count) bytes for \(shape) \(sourceDType)")
        let out = Tensor(shape: shape, dtype: dtype, storage: .allocateHost(byteCount: count * dtype.byteSize))
        guard let destination = out.storage.address, count > 0, let source = bytes.baseAddress else { return out }
        HostConversion.convert(
            from: UnsafeRawPointer(source), sourceDType, to: destination, dtype, count: count)
        return out
    }

    public func download(_ x: Tensor) -> [Float] {
        precondition(x.device == .cpu, "\(x) is not on the CPU")
        let count = x.elementCount
        guard count > 0, let source = x.storage.address else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            HostConversion.convert(
                from: UnsafeRawPointer(source), x.dtype, to: UnsafeMutableRawPointer(buffer.baseAddress!),
                .float32, count: count)
            initialized = count
        }
    }

    public func full(_ shape: [Int], value: Float, dtype: DType) -> Tensor {
        let out = allocate(shape)
        let dst = floats(out)
        Parallel.forEachChunk(out.elementCount) { range in
            for i in range { dst[i] = value }
        }
        return dtype == .float32 ? out : cast(out, to: dtype)
    }

    public func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        precondition(x.device == .cpu, "\(x) is not on the CPU")
        let count = x.elementCount
        let out = Tensor(shape: x.shape, dtype: dtype, storage: .allocateHost(byteCount: count * dtype.byteSize))
        if count > 0, let source = x.storage.address, let destination = out.storage.address {
            HostConversion.convert(from: UnsafeRawPointer(source), x.dtype, to: destination, dtype, count: count)
        }
        return out
    }

    // MARK: Random numbers

    public func randomNormal(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor {
        random(shape, dtype: dtype) { buffer, start in
            Philox.fillNormal(buffer, seed: seed, stream: stream, offset: offset &+ UInt64(start))
        }
    }

    public func randomUniform(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor {
        random(shape, dtype: dtype) { buffer, start in
            Philox.fillUniform(buffer, seed: seed, stream: stream, offset: offset &+ UInt64(start))
        }
    }

    public func dropoutMask(
        _ shape: [Int], dropProbability: Float, seed: UInt64, stream: UInt32, offset: UInt64
    ) -> Tensor {
        precondition((0..<1).contains(dropProbability), "dropout probability \(dropProbability) is outside [0, 1)")
        let kept = 1 / (1 - dropProbability)
        return map(randomUniform(shape, dtype: .float32, seed: seed, stream: stream, offset: offset)) {
            $0 >= dropProbability ? kept : 0
        }
    }

    private func random(
        _ shape: [Int], dtype: DType, fill: (UnsafeMutableBufferPointer<Float>, Int) -> Void
    ) -> Tensor {
        let out = allocate(shape)
        let dst = floats(out)
        // Values depend only on their index, so any split gives the same tensor.
        Parallel.forEachChunk(out.elementCount, grain: 4096) { range in
            fill(UnsafeMutableBufferPointer(start: dst + range.lowerBound, count: range.count), range.lowerBound)
        }
        return dtype == .float32 ? out : cast(out, to: dtype)
    }
}

/// Element conversions between host buffers of the supported dtypes.
enum HostConversion {
    static func convert(
        from source: UnsafeRawPointer, _ sourceDType: DType, to destination: UnsafeMutableRawPointer,
        _ dtype: DType, count: Int
    ) {
        if sourceDType == dtype {
            destination.copyMemory(from: source, byteCount: count * dtype.byteSize)
            return
        }
        Parallel.forEachChunk(count, grain: 65_536) { range in
            for i in range {
                let value: Float
                switch sourceDType {
                case .float32: value = source.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                case .float16:
                    value = HalfPrecision.float(float16Bits: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                case .bfloat16:
                    value = HalfPrecision.float(bfloat16Bits: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                }
                switch dtype {
                case .float32: destination.storeBytes(of: value, toByteOffset: i * 4, as: Float.self)
                case .float16: destination.storeBytes(of: HalfPrecision.float16Bits(value), toByteOffset: i * 2, as: UInt16.self)
                case .bfloat16: destination.storeBytes(of: HalfPrecision.bfloat16Bits(value), toByteOffset: i * 2, as: UInt16.self)
                }
            }
        }
    }
}

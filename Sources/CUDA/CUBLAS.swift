import CCUDA

/// cuBLAS, loaded from libcublas.so.13 or .12: the handle-less version query and single-precision GEMM (what
/// `lorad doctor` checks; the backend's GEMMs will use cuBLASLt).
public final class CUBLAS: @unchecked Sendable {
    let getProperty: cublasGetProperty_t
    let create: cublasCreate_t
    let destroy: cublasDestroy_t
    let setStream: cublasSetStream_t
    let sgemm: cublasSgemm_t
    /// The library file that was opened.
    public let path: String

    public init(search: LibrarySearch = LibrarySearch()) throws(CUDAError) {
        let library = try search.open(.cublas)
        getProperty = try library.function("cublasGetProperty", as: cublasGetProperty_t.self)
        create = try library.function("cublasCreate_v2", as: cublasCreate_t.self)
        destroy = try library.function("cublasDestroy_v2", as: cublasDestroy_t.self)
        setStream = try library.function("cublasSetStream_v2", as: cublasSetStream_t.self)
        sgemm = try library.function("cublasSgemm_v2", as: cublasSgemm_t.self)
        path = library.path
    }

    /// `major.minor.patch`.
    public func version() throws(CUDAError) -> String {
        var parts: [Int32] = []
        for property in [CCUDA_LIBRARY_MAJOR_VERSION, CCUDA_LIBRARY_MINOR_VERSION, CCUDA_LIBRARY_PATCH_LEVEL] {
            var value: Int32 = 0
            try check(getProperty(Int32(property), &value), "cublasGetProperty")
            parts.append(value)
        }
        return parts.map(String.init).joined(separator: ".")
    }

    /// Row-major `c [m, n] = a [m, k] · b [k, n]` in f32 on `stream`, as column-major cuBLAS computes it: cᵀ = bᵀ·aᵀ.
    public func multiply(
        _ a: DeviceBuffer, _ b: DeviceBuffer, into c: DeviceBuffer, m: Int, n: Int, k: Int, on stream: CUDAStream
    ) throws(CUDAError) {
        try stream.device.makeCurrent()
        var handle: cublasHandle_t?
        try check(create(&handle), "cublasCreate_v2")
        defer { _ = destroy(handle) }
        try check(setStream(handle, stream.handle), "cublasSetStream_v2")
        var (alpha, beta): (Float, Float) = (1, 0)
        func pointer(_ buffer: DeviceBuffer) -> UnsafeMutablePointer<Float>? {
            UnsafeMutablePointer(bitPattern: UInt(buffer.address))
        }
        try check(
            sgemm(
                handle, Int32(CCUDA_CUBLAS_OP_N), Int32(CCUDA_CUBLAS_OP_N), Int32(n), Int32(m), Int32(k), &alpha,
                pointer(b), Int32(n), pointer(a), Int32(k), &beta, pointer(c), Int32(n)),
            "cublasSgemm_v2")
    }

    private func check(_ status: cublasStatus_t, _ call: String) throws(CUDAError) {
        guard status != cublasStatus_t(CCUDA_CUBLAS_STATUS_SUCCESS) else { return }
        throw .cublas(call: call, code: status)
    }
}

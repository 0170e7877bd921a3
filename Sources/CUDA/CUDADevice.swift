import CCUDA

/// A GPU's compute capability, e.g. 8.6.
public struct ComputeCapability: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// `86` for 8.6: the number in `sm_86`.
    public var number: Int { major * 10 + minor }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: Self, b: Self) -> Bool { a.number < b.number }
}

/// One GPU and its primary context (the context cuBLAS uses too). A context is current per thread, so every call
/// that needs it makes it current first; keep one device's work on one executor.
public final class CUDADevice: @unchecked Sendable {
    public let driver: CUDADriver
    public let ordinal: Int
    public let name: String
    public let computeCapability: ComputeCapability
    public let totalMemory: Int
    let handle: CUdevice
    let context: CUcontext

    init(driver: CUDADriver, ordinal: Int) throws(CUDAError) {
        let api = driver.api
        var handle: CUdevice = 0
        try api.check(api.cuDeviceGet(&handle, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        let nameCapacity = 256
        var nameBytes = [CChar](repeating: 0, count: nameCapacity)
        try api.check(api.cuDeviceGetName(&nameBytes, Int32(nameCapacity), handle), "cuDeviceGetName")
        func attribute(_ attribute: Int32, _ label: String) throws(CUDAError) -> Int {
            var value: Int32 = 0
            try api.check(api.cuDeviceGetAttribute(&value, attribute, handle), "cuDeviceGetAttribute(\(label))")
            return Int(value)
        }
        let major = try attribute(Int32(CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), "compute capability")
        let minor = try attribute(Int32(CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), "compute capability")
        var total = 0
        try api.check(api.cuDeviceTotalMem(&total, handle), "cuDeviceTotalMem")
        var context: CUcontext?
        try api.check(api.cuDevicePrimaryCtxRetain(&context, handle), "cuDevicePrimaryCtxRetain")
        guard let context else {
            throw .driver(
                call: "cuDevicePrimaryCtxRetain", code: 0, name: "CUDA_SUCCESS", message: "returned no context")
        }
        self.driver = driver
        self.ordinal = ordinal
        self.handle = handle
        self.context = context
        self.name = nameBytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.computeCapability = ComputeCapability(major: major, minor: minor)
        self.totalMemory = total
    }

    deinit {
        _ = driver.api.cuDevicePrimaryCtxRelease(handle)
    }

    /// Makes the primary context current on the calling thread.
    public func makeCurrent() throws(CUDAError) {
        try driver.api.check(driver.api.cuCtxSetCurrent(context), "cuCtxSetCurrent")
    }

    /// Free and total device memory in bytes, as the driver sees them now.
    public func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
        try makeCurrent()
        var (free, total) = (0, 0)
        try driver.api.check(driver.api.cuMemGetInfo(&free, &total), "cuMemGetInfo")
        return (free, total)
    }

    /// A new non-blocking stream (it does not synchronise with the legacy default stream).
    public func makeStream() throws(CUDAError) -> CUDAStream {
        try makeCurrent()
        var stream: CUstream?
        try driver.api.check(driver.api.cuStreamCreate(&stream, UInt32(CCUDA_STREAM_NON_BLOCKING)), "cuStreamCreate")
        return CUDAStream(device: self, handle: stream!)
    }

    /// Loads a module from a cubin or a null-terminated PTX image.
    public func loadModule(_ image: [UInt8]) throws(CUDAError) -> CUDAModule {
        try makeCurrent()
        var module: CUmodule?
        let result = image.withUnsafeBytes { driver.api.cuModuleLoadData(&module, $0.baseAddress) }
        try driver.api.check(result, "cuModuleLoadData")
        return CUDAModule(device: self, handle: module!)
    }
}

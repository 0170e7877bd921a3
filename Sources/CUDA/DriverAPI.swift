import CCUDA

/// The driver API's entry points, bound from libcuda.so.1 by the names the driver exports (the `_v2` ones where
/// `cuda.h` maps the plain name to a `_v2` symbol).
public struct DriverAPI: @unchecked Sendable {
    let cuInit: cuInit_t
    let cuDriverGetVersion: cuDriverGetVersion_t
    let cuGetErrorName: cuGetErrorName_t
    let cuGetErrorString: cuGetErrorString_t
    let cuDeviceGetCount: cuDeviceGetCount_t
    let cuDeviceGet: cuDeviceGet_t
    let cuDeviceGetName: cuDeviceGetName_t
    let cuDeviceGetAttribute: cuDeviceGetAttribute_t
    let cuDeviceTotalMem: cuDeviceTotalMem_t
    let cuDevicePrimaryCtxRetain: cuDevicePrimaryCtxRetain_t
    let cuDevicePrimaryCtxRelease: cuDevicePrimaryCtxRelease_t
    let cuCtxSetCurrent: cuCtxSetCurrent_t
    let cuCtxGetCurrent: cuCtxGetCurrent_t
    let cuMemGetInfo: cuMemGetInfo_t
    let cuStreamCreate: cuStreamCreate_t
    let cuStreamDestroy: cuStreamDestroy_t
    let cuStreamSynchronize: cuStreamSynchronize_t
    let cuMemAllocAsync: cuMemAllocAsync_t
    let cuMemFreeAsync: cuMemFreeAsync_t
    let cuMemcpyHtoDAsync: cuMemcpyHtoDAsync_t
    let cuMemcpyDtoHAsync: cuMemcpyDtoHAsync_t
    let cuMemcpyDtoDAsync: cuMemcpyDtoDAsync_t
    let cuMemsetD8Async: cuMemsetD8Async_t
    let cuModuleLoadData: cuModuleLoadData_t
    let cuModuleUnload: cuModuleUnload_t
    let cuModuleGetFunction: cuModuleGetFunction_t
    let cuLaunchKernel: cuLaunchKernel_t

    /// Binds every entry point; a missing one is `CUDAError.missingSymbol` (a driver older than CUDA 11.2 lacks the
    /// stream-ordered allocator, for one).
    public init(library: DynamicLibrary) throws(CUDAError) {
        cuInit = try library.function("cuInit", as: cuInit_t.self)
        cuDriverGetVersion = try library.function("cuDriverGetVersion", as: cuDriverGetVersion_t.self)
        cuGetErrorName = try library.function("cuGetErrorName", as: cuGetErrorName_t.self)
        cuGetErrorString = try library.function("cuGetErrorString", as: cuGetErrorString_t.self)
        cuDeviceGetCount = try library.function("cuDeviceGetCount", as: cuDeviceGetCount_t.self)
        cuDeviceGet = try library.function("cuDeviceGet", as: cuDeviceGet_t.self)
        cuDeviceGetName = try library.function("cuDeviceGetName", as: cuDeviceGetName_t.self)
        cuDeviceGetAttribute = try library.function("cuDeviceGetAttribute", as: cuDeviceGetAttribute_t.self)
        cuDeviceTotalMem = try library.function("cuDeviceTotalMem_v2", as: cuDeviceTotalMem_t.self)
        cuDevicePrimaryCtxRetain = try library.function(
            "cuDevicePrimaryCtxRetain", as: cuDevicePrimaryCtxRetain_t.self)
        cuDevicePrimaryCtxRelease = try library.function(
            "cuDevicePrimaryCtxRelease_v2", as: cuDevicePrimaryCtxRelease_t.self)
        cuCtxSetCurrent = try library.function("cuCtxSetCurrent", as: cuCtxSetCurrent_t.self)
        cuCtxGetCurrent = try library.function("cuCtxGetCurrent", as: cuCtxGetCurrent_t.self)
        cuMemGetInfo = try library.function("cuMemGetInfo_v2", as: cuMemGetInfo_t.self)
        cuStreamCreate = try library.function("cuStreamCreate", as: cuStreamCreate_t.self)
        cuStreamDestroy = try library.function("cuStreamDestroy_v2", as: cuStreamDestroy_t.self)
        cuStreamSynchronize = try library.function("cuStreamSynchronize", as: cuStreamSynchronize_t.self)
        cuMemAllocAsync = try library.function("cuMemAllocAsync", as: cuMemAllocAsync_t.self)
        cuMemFreeAsync = try library.function("cuMemFreeAsync", as: cuMemFreeAsync_t.self)
        cuMemcpyHtoDAsync = try library.function("cuMemcpyHtoDAsync_v2", as: cuMemcpyHtoDAsync_t.self)
        cuMemcpyDtoHAsync = try library.function("cuMemcpyDtoHAsync_v2", as: cuMemcpyDtoHAsync_t.self)
        cuMemcpyDtoDAsync = try library.function("cuMemcpyDtoDAsync_v2", as: cuMemcpyDtoDAsync_t.self)
        cuMemsetD8Async = try library.function("cuMemsetD8Async", as: cuMemsetD8Async_t.self)
        cuModuleLoadData = try library.function("cuModuleLoadData", as: cuModuleLoadData_t.self)
        cuModuleUnload = try library.function("cuModuleUnload", as: cuModuleUnload_t.self)
        cuModuleGetFunction = try library.function("cuModuleGetFunction", as: cuModuleGetFunction_t.self)
        cuLaunchKernel = try library.function("cuLaunchKernel", as: cuLaunchKernel_t.self)
    }

    /// Throws the typed error for a failed call: `outOfMemory` for `CUDA_ERROR_OUT_OF_MEMORY`, else `driver` with
    /// the code's name and description.
    func check(_ result: CUresult, _ call: String) throws(CUDAError) {
        guard result != CUresult(CCUDA_SUCCESS) else { return }
        if result == CUresult(CCUDA_ERROR_OUT_OF_MEMORY) { throw .outOfMemory(call: call) }
        var name: UnsafePointer<CChar>?
        var message: UnsafePointer<CChar>?
        _ = cuGetErrorName(result, &name)
        _ = cuGetErrorString(result, &message)
        throw .driver(
            call: call, code: result, name: name.map { String(cString: $0) } ?? "CUDA_ERROR_\(result)",
            message: message.map { String(cString: $0) } ?? "unknown error")
    }
}

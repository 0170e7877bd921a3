import CCUDA

/// NVRTC's entry points, bound from libnvrtc.so.13 or .12.
public struct NVRTCAPI: @unchecked Sendable {
    let nvrtcVersion: nvrtcVersion_t
    let nvrtcGetErrorString: nvrtcGetErrorString_t
    let nvrtcGetNumSupportedArchs: nvrtcGetNumSupportedArchs_t
    let nvrtcGetSupportedArchs: nvrtcGetSupportedArchs_t
    let nvrtcCreateProgram: nvrtcCreateProgram_t
    let nvrtcDestroyProgram: nvrtcDestroyProgram_t
    let nvrtcCompileProgram: nvrtcCompileProgram_t
    let nvrtcGetProgramLogSize: nvrtcGetProgramLogSize_t
    let nvrtcGetProgramLog: nvrtcGetProgramLog_t
    let nvrtcGetCUBINSize: nvrtcGetCUBINSize_t
    let nvrtcGetCUBIN: nvrtcGetCUBIN_t
    let nvrtcGetPTXSize: nvrtcGetPTXSize_t
    let nvrtcGetPTX: nvrtcGetPTX_t

    public init(library: DynamicLibrary) throws(CUDAError) {
        nvrtcVersion = try library.function("nvrtcVersion", as: nvrtcVersion_t.self)
        nvrtcGetErrorString = try library.function("nvrtcGetErrorString", as: nvrtcGetErrorString_t.self)
        nvrtcGetNumSupportedArchs = try library.function(
            "nvrtcGetNumSupportedArchs", as: nvrtcGetNumSupportedArchs_t.self)
        nvrtcGetSupportedArchs = try library.function("nvrtcGetSupportedArchs", as: nvrtcGetSupportedArchs_t.self)
        nvrtcCreateProgram = try library.function("nvrtcCreateProgram", as: nvrtcCreateProgram_t.self)
        nvrtcDestroyProgram = try library.function("nvrtcDestroyProgram", as: nvrtcDestroyProgram_t.self)
        nvrtcCompileProgram = try library.function("nvrtcCompileProgram", as: nvrtcCompileProgram_t.self)
        nvrtcGetProgramLogSize = try library.function("nvrtcGetProgramLogSize", as: nvrtcGetProgramLogSize_t.self)
        nvrtcGetProgramLog = try library.function("nvrtcGetProgramLog", as: nvrtcGetProgramLog_t.self)
        nvrtcGetCUBINSize = try library.function("nvrtcGetCUBINSize", as: nvrtcGetCUBINSize_t.self)
        nvrtcGetCUBIN = try library.function("nvrtcGetCUBIN", as: nvrtcGetCUBIN_t.self)
        nvrtcGetPTXSize = try library.function("nvrtcGetPTXSize", as: nvrtcGetPTXSize_t.self)
        nvrtcGetPTX = try library.function("nvrtcGetPTX", as: nvrtcGetPTX_t.self)
    }

    func check(_ result: nvrtcResult, _ call: String) throws(CUDAError) {
        guard result != nvrtcResult(CCUDA_NVRTC_SUCCESS) else { return }
        let message = nvrtcGetErrorString(result).map { String(cString: $0) } ?? "NVRTC error"
        throw .nvrtc(call: call, code: result, message: message)
    }
}

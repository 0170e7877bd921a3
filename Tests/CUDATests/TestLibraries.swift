import CUDA
import Foundation
import Testing

/// Where the tests find NVRTC: `LORAD_CUDA_LIBRARY_PATH`'s folders, then the wheel that tools/setup.sh unpacks into
/// `${LORAD_NVRTC_DIR:-${XDG_CACHE_HOME:-~/.cache}/lorad/nvrtc}`.
enum TestLibraries {
    static var nvrtcSearch: LibrarySearch {
        let environment = ProcessInfo.processInfo.environment
        let cache =
            environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        let wheel =
            environment["LORAD_NVRTC_DIR"].map { URL(fileURLWithPath: $0) }
            ?? cache.appendingPathComponent("lorad/nvrtc")
        let folder = wheel.appendingPathComponent("nvidia/cu13/lib").path
        return LibrarySearch(folders: LibrarySearch(environment: environment).folders + [folder])
    }

    /// NVRTC, or a recorded failure that says how to get it (a missing library fails the suite, it is not skipped).
    static func compiler(cacheDirectory: URL? = nil) throws -> NVRTCCompiler {
        do {
            return try NVRTCCompiler(search: nvrtcSearch, cacheDirectory: cacheDirectory)
        } catch {
            Issue.record("NVRTC is needed to compile the CUDA kernels: run tools/setup.sh (\(error))")
            throw error
        }
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-cuda-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Builds a shared library `name` in `folder` from C `source` with the system's `cc`.
    static func buildSharedLibrary(_ name: String, in folder: URL, source: String) throws -> URL {
        let sourceFile = folder.appendingPathComponent("\(name).c")
        try source.write(to: sourceFile, atomically: true, encoding: .utf8)
        let library = folder.appendingPathComponent(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-o", library.path, sourceFile.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed to build \(name)")
        return library
    }

    /// A libcuda.so.1 with every entry point lorad binds: `cuDriverGetVersion` reports `version`, `cuInit` returns
    /// `initResult`, no device is visible, and error names come back as `CUDA_ERROR_STUB`.
    static func stubDriver(in folder: URL, version: Int32, initResult: Int32 = 0) throws -> URL {
        let others = [
            "cuDeviceGet", "cuDeviceGetName", "cuDeviceGetAttribute", "cuDeviceTotalMem_v2",
            "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent", "cuCtxGetCurrent",
            "cuMemGetInfo_v2", "cuStreamCreate", "cuStreamDestroy_v2", "cuStreamSynchronize", "cuMemAllocAsync",
            "cuMemFreeAsync", "cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2",
            "cuMemsetD8Async", "cuModuleLoadData", "cuModuleUnload", "cuModuleGetFunction", "cuLaunchKernel",
        ]
        let source =
            """
            int cuDriverGetVersion(int *version) { *version = \(version); return 0; }
            int cuInit(unsigned flags) { return \(initResult); }
            int cuDeviceGetCount(int *count) { *count = 0; return 0; }
            int cuGetErrorName(int error, const char **name) { *name = "CUDA_ERROR_STUB"; return 0; }
            int cuGetErrorString(int error, const char **text) { *text = "a stub error"; return 0; }

            """ + others.map { "int \($0)(void) { return 999; }" }.joined(separator: "\n")
        return try buildSharedLibrary("libcuda.so.1", in: folder, source: source)
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The CUDA libraries lorad opens at run time, each with the file names it tries, newest first.
public enum CUDALibrary: String, Sendable, CaseIterable {
    case driver = "libcuda"
    case nvrtc = "NVRTC"
    case cublas = "cuBLAS"
    case cublasLt = "cuBLASLt"
    case cudnn = "cuDNN"

    /// Versioned names only: an unversioned `libcuda.so` is the development symlink, and a major version lorad was
    /// not written against may change the ABI.
    public var fileNames: [String] {
        switch self {
        case .driver: ["libcuda.so.1"]
        case .nvrtc: ["libnvrtc.so.13", "libnvrtc.so.12"]
        case .cublas: ["libcublas.so.13", "libcublas.so.12"]
        case .cublasLt: ["libcublasLt.so.13", "libcublasLt.so.12"]
        case .cudnn: ["libcudnn.so.9"]
        }
    }
}

/// Where the CUDA libraries are looked for: the folders of `LORAD_CUDA_LIBRARY_PATH` (a `:`-separated list) first,
/// then `dlopen`'s default search (`LD_LIBRARY_PATH`, the ld.so cache, the system folders).
public struct LibrarySearch: Sendable, Equatable {
    public static let environmentVariable = "LORAD_CUDA_LIBRARY_PATH"

    public var folders: [String]

    public init(folders: [String]) { self.folders = folders }

    /// The folders of `LORAD_CUDA_LIBRARY_PATH` in `environment`; empty entries are ignored.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        folders = (environment[Self.environmentVariable] ?? "").split(separator: ":").map(String.init)
    }

    /// Opens the first of `library`'s file names that loads.
    public func open(_ library: CUDALibrary) throws(CUDAError) -> DynamicLibrary {
        try open(library.rawValue, fileNames: library.fileNames)
    }

    /// Opens the first of `fileNames` that loads, trying every folder before the default search.
    public func open(_ library: String, fileNames: [String]) throws(CUDAError) -> DynamicLibrary {
        var reasons: [String] = []
        for folder in folders {
            for name in fileNames {
                let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                guard FileManager.default.fileExists(atPath: path) else { continue }
                switch Self.load(path) {
                case .success(let handle): return DynamicLibrary(library: library, path: path, handle: handle)
                case .failure(let reason): reasons.append(reason.message)
                }
            }
        }
        for name in fileNames {
            switch Self.load(name) {
            case .success(let handle): return DynamicLibrary(library: library, path: name, handle: handle)
            case .failure(let reason):
                // "cannot open shared object file" only says that the name is not there; anything else is news.
                if !reason.message.contains("No such file") { reasons.append(reason.message) }
            }
        }
        throw .libraryNotFound(library: library, names: fileNames, folders: folders, reasons: reasons)
    }

    private struct LoadFailure: Error { var message: String }

    private static func load(_ path: String) -> Result<UnsafeMutableRawPointer, LoadFailure> {
        if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) { return .success(handle) }
        return .failure(LoadFailure(message: dlerror().map { String(cString: $0) } ?? "dlopen failed for \(path)"))
    }
}

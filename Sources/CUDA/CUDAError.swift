/// What goes wrong when lorad finds, loads or uses the CUDA libraries and GPUs.
public enum CUDAError: Error, Equatable, CustomStringConvertible {
    /// No file of `names` opened, neither in `folders` (from `LORAD_CUDA_LIBRARY_PATH`) nor by the default `dlopen`
    /// search; `reasons` are `dlerror()`'s messages for the candidates that exist but did not load.
    case libraryNotFound(library: String, names: [String], folders: [String], reasons: [String])
    /// The library at `path` lacks `symbol` (it is too old, or not the library it claims to be).
    case missingSymbol(library: String, path: String, symbol: String)
    /// The library works but is older than lorad needs.
    case versionTooOld(library: String, found: String, required: String)
    /// A driver call failed with `CUDA_ERROR_OUT_OF_MEMORY`.
    case outOfMemory(call: String)
    /// A driver call failed; `name` and `message` come from `cuGetErrorName` / `cuGetErrorString`.
    case driver(call: String, code: Int32, name: String, message: String)
    /// `--device cuda:N` (or a worker) asked for a GPU that is not there.
    case noSuchDevice(ordinal: Int, count: Int)
    /// An NVRTC call other than the compilation itself failed.
    case nvrtc(call: String, code: Int32, message: String)
    /// NVRTC rejected a kernel; `log` is its compilation log.
    case compilation(kernel: String, architecture: String, log: String)
    /// A cuBLAS call failed with the status `code`.
    case cublas(call: String, code: Int32)
    /// The kernel cache folder could not be read or written.
    case cache(path: String, reason: String)
    /// A kernel launch was given more arguments than a kernel can take, or one of an unsupported size.
    case invalidLaunch(String)

    public var description: String {
        switch self {
        case .libraryNotFound(let library, let names, let folders, let reasons):
            let searched = folders.isEmpty ? "" : " in \(folders.joined(separator: ", ")) and"
            let why = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
            return "\(library) not found: tried \(names.joined(separator: ", "))\(searched) on the default library path"
                + "\(why); set \(LibrarySearch.environmentVariable) to the folder that holds it"
        case .missingSymbol(let library, let path, let symbol):
            return "\(library) at \(path) has no symbol \(symbol) (too old, or not \(library))"
        case .versionTooOld(let library, let found, let required):
            return "\(library) is version \(found); lorad needs \(required) or newer"
        case .outOfMemory(let call):
            return "out of GPU memory (\(call))"
        case .driver(let call, let code, let name, let message):
            return "\(call) failed: \(name) (\(code)): \(message)"
        case .noSuchDevice(let ordinal, let count):
            return "no CUDA device \(ordinal): \(count == 0 ? "no device is" : "only \(count) are") visible"
        case .nvrtc(let call, let code, let message):
            return "\(call) failed: \(message) (\(code))"
        case .compilation(let kernel, let architecture, let log):
            return "NVRTC could not compile \(kernel) for \(architecture):\n\(log)"
        case .cublas(let call, let code):
            return "\(call) failed with cuBLAS status \(code)"
        case .cache(let path, let reason):
            return "kernel cache \(path): \(reason)"
        case .invalidLaunch(let reason):
            return "kernel launch: \(reason)"
        }
    }
}

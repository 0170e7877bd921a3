#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A shared library opened with `dlopen`. It is never closed: the CUDA libraries keep threads and state that do not
/// survive unloading, and lorad opens each at most once per process.
public final class DynamicLibrary: @unchecked Sendable {
    /// What the library is (`libcuda`, `NVRTC`, …), for messages.
    public let library: String
    /// The file name or path that opened it.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    init(library: String, path: String, handle: UnsafeMutableRawPointer) {
        self.library = library
        self.path = path
        self.handle = handle
    }

    /// The function `name`, as the C function-pointer type `T` (one of CCUDA's `…_t` types).
    public func function<T>(_ name: String, as type: T.Type) throws(CUDAError) -> T {
        guard let address = dlsym(handle, name) else {
            throw .missingSymbol(library: library, path: path, symbol: name)
        }
        return unsafeBitCast(address, to: type)
    }

    /// Whether the library exports `name` (for symbols that only newer versions have).
    public func has(_ name: String) -> Bool { dlsym(handle, name) != nil }
}

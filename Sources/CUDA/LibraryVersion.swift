import CCUDA

/// The versions of the libraries that report theirs without a GPU or a handle, as `major.minor.patch`, with the file
/// that was opened. Both encode it as major·10000 + minor·100 + patch.
public enum LibraryVersion {
    public static func cublasLt(search: LibrarySearch = LibrarySearch()) throws(CUDAError) -> (String, path: String) {
        let library = try search.open(.cublasLt)
        return (text(try library.function("cublasLtGetVersion", as: cublasLtGetVersion_t.self)()), library.path)
    }

    public static func cudnn(search: LibrarySearch = LibrarySearch()) throws(CUDAError) -> (String, path: String) {
        let library = try search.open(.cudnn)
        return (text(try library.function("cudnnGetVersion", as: cudnnGetVersion_t.self)()), library.path)
    }

    private static func text(_ version: Int) -> String {
        "\(version / 10_000).\(version % 10_000 / 100).\(version % 100)"
    }
}

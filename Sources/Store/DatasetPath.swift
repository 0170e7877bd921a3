/// The rules for a path inside a dataset (`10_sks dog/a.png`), which becomes a real path when the dataset is
/// written out as a folder: relative, `/`-separated, without empty, `.` or `..` components, without control
/// characters or backslashes, each component at most 255 bytes of UTF-8.
public enum DatasetPath {
    /// The longest component, in bytes, that common file systems accept.
    public static let maxComponentBytes = 255

    /// Why `path` is not a safe dataset path, or nil when it is.
    public static func problem(with path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        if path.hasPrefix("/") { return "absolute paths are not allowed" }
        for scalar in path.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                return "control characters are not allowed"
            }
            if scalar == "\\" { return "backslashes are not allowed" }
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { return "empty path components are not allowed" }
            if component == "." || component == ".." { return "'.' and '..' components are not allowed" }
            if component.utf8.count > maxComponentBytes {
                return "a path component is longer than \(maxComponentBytes) bytes"
            }
        }
        return nil
    }

    /// Throws `StoreError.unsafeDatasetPath` when `path` breaks the rules.
    public static func validate(_ path: String) throws(StoreError) {
        if let reason = problem(with: path) { throw .unsafeDatasetPath(path, reason: reason) }
    }
}

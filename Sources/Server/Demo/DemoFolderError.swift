import Training

/// Why a demo folder cannot be used.
enum DemoFolderError: Error, CustomStringConvertible {
    /// A file or folder of the layout is not there.
    case missing(path: String, expected: String)
    /// The config file does not read as `lorad train` options.
    case badConfig(ConfigError)

    var description: String {
        switch self {
        case .missing(let path, let expected): "\(path): missing (\(expected))"
        case .badConfig(let error): "\(error)"
        }
    }
}

import Tensors

/// `--device`: which backend runs the engine. Only the CPU exists so far; `auto` picks the best available.
enum DeviceChoice {
    static let names = ["cpu", "auto"]

    static func backend(named name: String) throws -> any Backend {
        switch name {
        case "cpu", "auto": return CPUBackend()
        case _ where name == "cuda" || name.hasPrefix("cuda:"):
            throw UsageError("--device \(name): the CUDA backend is not built yet; use --device cpu")
        default:
            throw UsageError("unknown --device '\(name)' (choose \(names.joined(separator: " or ")))")
        }
    }
}

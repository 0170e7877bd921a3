import Foundation

/// What a path holds, read from its configs or tensor header without loading any weights: for listing the base
/// models of a folder.
public struct ModelProbe: Sendable, Equatable {
    public enum Format: String, Sendable {
        /// A diffusers pipeline folder (`model_index.json` and component subfolders).
        case diffusers
        /// One `.safetensors` checkpoint with LDM (A1111/ComfyUI) names.
        case singleFile = "single_file"
    }

    public var architecture: ModelArchitecture
    public var format: Format

    /// Reads the model at `url`; throws the loader's error when it is not a model lorad can load.
    public init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.missingFile(
                path: url.path, expected: "a diffusers model folder or a single-file .safetensors checkpoint")
        }
        if isDirectory.boolValue {
            architecture = try DiffusersFolder(url).description().architecture
            format = .diffusers
        } else {
            architecture = try SingleFileCheckpoint(url).architecture
            format = .singleFile
        }
    }
}

import Diffusion
import Foundation
import SafeTensors
import Tensors

/// A minimal test-only `ParameterSource` over one diffusers component folder (`unet/`, `vae/`): it reads every
/// `.safetensors` file there (one file, an `.fp16` variant, or the shards an index lists) by diffusers name.
/// The layer tests use it instead of lorad's loader (`Sources/Diffusion/Loading`) so that a model's numbers are
/// checked independently of the loader's name mapping, and so that a test can pair a folder's weights with a config
/// of its own.
final class FolderParameterSource: ParameterSource {
    let backend: any Backend
    private var files: [String: SafeTensorsFile] = [:]
    private var problems: [String] = []
    private var used: Set<String> = []

    init(_ folder: URL, backend: any Backend = CPUBackend()) throws {
        self.backend = backend
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        for name in names.sorted() where name.hasSuffix(".safetensors") {
            let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(name))
            for entry in file.entries { files[entry.name] = file }
        }
    }

    /// Names in the files that no model parameter asked for.
    var unusedNames: [String] { files.keys.filter { !used.contains($0) }.sorted() }

    func tensor(_ name: String, shape: [Int], isConvolutionKernel: Bool) -> Tensor {
        used.insert(name)
        let permuted = isConvolutionKernel && shape.count == 4
        let layout = permuted ? [shape[0], shape[2], shape[3], shape[1]] : shape
        let placeholder = Tensor.meta(layout, dtype: backend.computeDType)
        guard let file = files[name], let entry = file[name] else {
            problems.append("missing \(name)")
            return placeholder
        }
        guard entry.shape == shape else {
            problems.append("\(name) has shape \(entry.shape), expected \(shape)")
            return placeholder
        }
        let dtypes: [SafeTensorsDType: DType] = [.float32: .float32, .float16: .float16, .bfloat16: .bfloat16]
        guard let dtype = dtypes[entry.dtype] else {
            problems.append("\(name) has dtype \(entry.dtype)")
            return placeholder
        }
        do {
            let stored = try file.withBytes(name) {
                backend.upload(bytes: $0, sourceDType: dtype, shape: shape, dtype: backend.computeDType)
            }
            return permuted ? backend.permute(stored, [0, 2, 3, 1]) : stored
        } catch {
            problems.append("\(name): \(error)")
            return placeholder
        }
    }

    func finish() throws {
        if !problems.isEmpty { throw FolderParameterSourceError(problems: problems) }
    }
}

struct FolderParameterSourceError: Error, CustomStringConvertible {
    let problems: [String]
    var description: String { problems.joined(separator: "\n") }
}

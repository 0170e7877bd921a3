import Diffusion
import Foundation
import SafeTensors
import Tensors

/// `--latents` / `--save-latents` files: a safetensors file with one F32 tensor `latents` in diffusers' layout
/// `[1, C, H/f, W/f]` (NCHW), so that the same file can be passed to diffusers' `latents=` argument.
enum LatentsFile {
    static let tensorName = "latents"

    /// Reads `url` as the latents of shape `nhwcShape` (`[1, h, w, C]`) and returns them NHWC.
    static func read(_ url: URL, nhwcShape shape: [Int], on backend: any Backend) throws -> Tensor {
        let expected = [shape[0], shape[3], shape[1], shape[2]]
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: url)
        } catch {
            throw UsageError("--latents \(url.path): \(error)")
        }
        guard let entry = file[tensorName] else {
            let names = file.entries.map(\.name).joined(separator: ", ")
            throw UsageError("--latents \(url.path) has no tensor '\(tensorName)' (it has: \(names))")
        }
        guard entry.dtype == .float32, entry.shape == expected else {
            throw UsageError(
                "--latents \(url.path): '\(tensorName)' is \(entry.dtype.rawValue) \(entry.shape), expected F32 \(expected)")
        }
        let values = try file.floats(tensorName)
        return backend.channelsLast(backend.upload(values, shape: expected))
    }

    /// Writes NHWC `latents` as NCHW F32.
    static func write(_ latents: Tensor, to url: URL, on backend: any Backend) throws {
        let nchw = backend.channelsFirst(latents)
        var writer = SafeTensorsWriter()
        try writer.add(tensorName, shape: nchw.shape, floats: backend.download(nchw))
        try writer.write(to: url)
    }
}

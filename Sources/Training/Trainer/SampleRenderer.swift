import Diffusion
import Foundation
import Imaging
import Tensors

/// Renders the sample images of a run with the LoRA as it is at that moment (its modules are attached to the
/// pipeline's models), and writes each as a PNG with A1111's parameters chunk under `directory`.
struct SampleRenderer {
    let pipeline: TextToImagePipeline
    let backend: any Backend
    let directory: URL
    let outputName: String

    /// Named as sd-scripts names them, without its timestamp: `<output_name>_<step:06>_<index:02>.png`.
    func render(_ request: TextToImageRequest, prompt index: Int, step: Int, epoch: Int) throws -> TrainingSample {
        let result = try pipeline(request)
        let image = Image(
            width: request.width, height: request.height, channels: 3, unitValues: backend.download(result.image))
        let png = try PNGEncoder.encode(image, text: [(keyword: "parameters", value: request.infotext)])
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(
            "\(outputName)_\(String(format: "%06d", step))_\(String(format: "%02d", index)).png")
        try png.write(to: url, options: .atomic)
        return TrainingSample(step: step, epoch: epoch, promptIndex: index, prompt: request.prompt, png: png, url: url)
    }
}

import Foundation

/// A single-file checkpoint opened for loading: its tensors and their layout.
struct SingleFileCheckpoint {
    let url: URL
    let tensors: CheckpointTensors
    let layout: SingleFileLayout

    init(_ url: URL) throws {
        self.url = url
        tensors = try CheckpointTensors(files: [url])
        layout = try SingleFileLayout(CheckpointShapes(shapes: tensors.shapes, path: url.path))
    }

    var architecture: ModelArchitecture { layout.architecture }

    func inferredDescription() throws -> PipelineDescription {
        try layout.inferredDescription(
            prediction: SingleFileScheduler.prediction(of: tensors, architecture: architecture))
    }

    /// Each component's parameters, read through the LDM name mapping for `description`'s configs.
    func weights(for description: PipelineDescription) -> PipelineWeights {
        PipelineWeights { component, backend in
            let (locate, expectedKeys) = try layout.component(component, of: description)
            return CheckpointParameterSource(
                tensors: tensors, component: component, path: url.path, backend: backend,
                expectedKeys: expectedKeys, locate: locate)
        }
    }
}

import Tensors

/// Where each component's weights come from: a parameter source per diffusers component name.
struct PipelineWeights {
    let makeSource: (_ component: String, _ backend: any Backend) throws -> any ParameterSource
}

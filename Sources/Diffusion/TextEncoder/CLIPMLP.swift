import Tensors

/// CLIP's feed-forward block (transformers `CLIPMLP`): `fc2(act(fc1(x)))`.
struct CLIPMLP: Sendable {
    let fc1: Linear
    let fc2: Linear
    let activation: Activation
    let backend: any Backend

    init(_ parameters: Parameters, config: CLIPTextConfig) {
        fc1 = Linear(parameters["fc1"], inFeatures: config.hiddenSize, outFeatures: config.intermediateSize)
        fc2 = Linear(parameters["fc2"], inFeatures: config.intermediateSize, outFeatures: config.hiddenSize)
        activation = config.hiddenAct
        backend = parameters.backend
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        fc2(backend.activation(fc1(x), activation))
    }
}

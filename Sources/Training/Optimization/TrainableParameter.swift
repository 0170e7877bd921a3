/// One trainable tensor (an adapter weight) as the optimizers see it: host `Float` buffers in C order.
///
/// The trainer downloads the adapter gradients into `gradient`, runs an optimizer step, and uploads `value`. The
/// `name` keys the optimizer state, so it must be unique across all groups and stable across a resume.
public final class TrainableParameter {
    /// Unique, stable name (the adapter key, e.g. `lora_unet_…_to_q.lora_down.weight`).
    public let name: String
    /// The tensor's shape; `value` and `gradient` hold `shape.reduce(1, *)` elements.
    public let shape: [Int]
    /// The parameter's current values.
    public var value: [Float]
    /// The gradient of the loss with respect to `value`, for the step about to be taken.
    public var gradient: [Float]

    /// A parameter with the given values and a zero gradient.
    public init(name: String, shape: [Int], value: [Float]) {
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    /// The number of elements the shape describes.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Parameters that share a base learning rate: kohya's `unet_lr` and `text_encoder_lr` groups.
public struct ParameterGroup {
    /// A label for messages and logs ("unet", "text_encoder").
    public var name: String
    /// The group's parameters.
    public var parameters: [TrainableParameter]
    /// The group's base learning rate, before the schedule's multiplier.
    public var learningRate: Double

    /// A group of `parameters` trained at base rate `learningRate`.
    public init(name: String, parameters: [TrainableParameter], learningRate: Double) {
        self.name = name
        self.parameters = parameters
        self.learningRate = learningRate
    }
}

import Tensors

/// sd-scripts' loss: the squared error averaged over each sample's elements, times the sample's weight
/// (min-SNR, `prior_loss_weight` for regularisation images), averaged over the batch.
public struct MeanSquaredErrorLoss {
    /// The loss of the batch (what kohya logs) and of each sample before weighting.
    public let value: Float
    public let perSample: [Float]
    /// ∂(value · gradientScale)/∂prediction, shaped like the prediction.
    public let gradient: Tensor

    /// `gradientScale` divides the loss as accelerate does under gradient accumulation (1/steps).
    public init(
        prediction: Tensor, target: Tensor, weights: [Float], gradientScale: Float = 1, on backend: any Backend
    ) {
        precondition(prediction.shape == target.shape, "loss of \(prediction) against \(target)")
        let batch = prediction.shape[0]
        precondition(weights.count == batch, "\(weights.count) loss weights for a batch of \(batch)")
        let elements = Float(prediction.elementCount / batch)
        let difference = backend.subtract(prediction, target)
        var sampleShape = [Int](repeating: 1, count: prediction.rank)
        sampleShape[0] = batch
        let sums = backend.download(backend.sum(backend.multiply(difference, difference), toShape: sampleShape))
        perSample = sums.map { $0 / elements }
        value = zip(perSample, weights).map { $0 * $1 }.reduce(0, +) / Float(batch)
        let coefficients = weights.map { 2 * $0 * gradientScale / (elements * Float(batch)) }
        gradient = backend.multiply(difference, backend.upload(coefficients, shape: sampleShape))
    }
}

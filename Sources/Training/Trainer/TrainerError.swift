/// Why a training run cannot start or go on.
public enum TrainerError: Error, CustomStringConvertible {
    case missing(String)
    case noTrainingImages
    case unreadableImage(path: String, reason: String)
    case nonFiniteLoss(step: Int)

    public var description: String {
        switch self {
        case .missing(let key): "\(key) is required"
        case .noTrainingImages: "the dataset has no usable training image (see lorad dataset check)"
        case .unreadableImage(let path, let reason): "\(path): \(reason); fix or remove the file"
        case .nonFiniteLoss(let step):
            "the loss is not finite at step \(step): lower learning_rate, or set max_grad_norm"
        }
    }
}

/// A text-to-image request that the pipeline cannot run.
public enum PipelineError: Error, Equatable, CustomStringConvertible {
    /// Width or height is not a positive multiple of the VAE's downsampling factor.
    case imageSize(width: Int, height: Int, factor: Int)
    /// Given initial noise of the wrong shape (NHWC shapes).
    case noiseShape(expected: [Int], actual: [Int])
    case steps(Int)

    public var description: String {
        switch self {
        case .imageSize(let width, let height, let factor):
            "image size \(width)x\(height) must be positive multiples of \(factor)"
        case .noiseShape(let expected, let actual):
            "initial latents have shape \(actual), expected \(expected)"
        case .steps(let steps):
            "steps must be positive, got \(steps)"
        }
    }
}

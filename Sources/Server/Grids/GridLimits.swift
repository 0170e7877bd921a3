/// The bounds a grid request must keep, so that one request cannot hold a worker or a mosaic's memory for long.
enum GridLimits {
    static let maxPrompts = 16
    static let maxCheckpoints = 32
    static let maxWeights = 16
    static let maxCells = 512
    /// LoRA multipliers past ±4 only show a broken image.
    static let weightRange = -4.0...4.0
    /// The weights LoRA guides compare by hand.
    static let defaultWeights = [0.4, 0.6, 0.8, 1.0, 1.2]
    /// The pixels of one prompt's mosaic (checkpoints × weights images): 64 Mi, 192 MiB as RGB, e.g. 32 × 8 images
    /// of 512 × 512.
    static let maxMosaicPixels = 1 << 26
    /// The largest request body.
    static let maxBodyBytes = 1 << 20
}

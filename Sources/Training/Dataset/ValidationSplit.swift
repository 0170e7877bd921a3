/// sd-scripts' `split_train_val` for one concept folder: shuffle by seed, the last round(n × fraction) images
/// are validation images and the others training images.
enum ValidationSplit {
    /// kohya takes ⌈n(1 − fraction)⌉ training and round(n·fraction) validation images, which overlap or drop an
    /// image when both round up (n = 10, fraction 0.35: 7 and 4); here the two parts always partition the folder.
    /// The shuffle is Philox's, not Python's Mersenne Twister, so the images chosen differ from kohya's.
    static func select(
        _ files: [ConceptFolder.CaptionedImage], part: TrainingDataset.Part, fraction: Double, seed: UInt64,
        concept: Int
    ) -> [ConceptFolder.CaptionedImage] {
        var shuffled = files
        var random = DatasetRandom(seed: seed, purpose: .validationSplit, epoch: 0, item: concept)
        random.shuffle(&shuffled)
        let validationCount = Int((Double(files.count) * fraction).rounded(.toNearestOrEven))
        let trainingCount = files.count - validationCount
        let selected = part == .training ? shuffled[..<trainingCount] : shuffled[trainingCount...]
        return selected.sorted { $0.path < $1.path }
    }
}

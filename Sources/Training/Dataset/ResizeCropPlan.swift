/// How one image becomes a training sample of its bucket: resize to `resized`, then crop the bucket's size at
/// (`cropLeft`, `cropTop`), as kohya's `trim_and_resize_if_required`.
public struct ResizeCropPlan: Codable, Equatable, Sendable {
    public var originalWidth: Int
    public var originalHeight: Int
    public var resizedWidth: Int
    public var resizedHeight: Int
    public var bucket: BucketResolution
    public var cropLeft: Int
    public var cropTop: Int

    /// The plan for an image of `assignment`: centred crop offsets (`(trim) // 2`), or, with `random`, offsets
    /// drawn uniformly from 0 through the trim (kohya's `random.randint(0, trim)`), width first.
    public init(originalWidth: Int, originalHeight: Int, assignment: BucketAssignment, random: inout DatasetRandom?) {
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        resizedWidth = assignment.resizedWidth
        resizedHeight = assignment.resizedHeight
        bucket = assignment.bucket
        let trimWidth = max(0, resizedWidth - bucket.width)
        let trimHeight = max(0, resizedHeight - bucket.height)
        if var generator = random {
            cropLeft = trimWidth > 0 ? generator.integer(through: trimWidth) : 0
            cropTop = trimHeight > 0 ? generator.integer(through: trimHeight) : 0
            random = generator
        } else {
            cropLeft = trimWidth / 2
            cropTop = trimHeight / 2
        }
    }

    /// The resize factor (above 1: the image is enlarged).
    public var scale: Double { Double(resizedWidth) / Double(originalWidth) }

    /// SDXL's crop conditioning (top, left) as kohya computes it (`BucketManager.get_crop_ltrb`, mirrored when the
    /// sample is flipped); it follows Stability AI's centred preprocessing even under random crops, as kohya does.
    public func sdxlCropTopLeft(flipped: Bool) -> (top: Int, left: Int) {
        let bucketRatio = Double(bucket.width) / Double(bucket.height)
        let imageRatio = Double(originalWidth) / Double(originalHeight)
        let (width, height): (Double, Double) =
            bucketRatio > imageRatio
            ? (Double(bucket.height) * imageRatio, Double(bucket.height))
            : (Double(bucket.width), Double(bucket.width) / imageRatio)
        let left = ((Double(bucket.width) - width) / 2).rounded(.down)
        let top = ((Double(bucket.height) - height) / 2).rounded(.down)
        let right = left + width
        return (Int(top), Int(flipped ? Double(bucket.width) - right : left))
    }
}

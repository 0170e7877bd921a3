import Foundation

/// One image of one micro-batch, as the trainer consumes it: where its pixels come from, how they become the
/// bucket's pixels, and what the step conditions on.
public struct TrainingExample: Sendable, Equatable {
    public var image: URL
    /// Hex SHA-256 of the image file (the latent cache key).
    public var imageSHA256: String
    /// The image's size after EXIF orientation.
    public var originalWidth: Int
    public var originalHeight: Int
    /// The size it is resized to before cropping, and the crop to the bucket.
    public var resizedWidth: Int
    public var resizedHeight: Int
    public var cropLeft: Int
    public var cropTop: Int
    public var bucketWidth: Int
    public var bucketHeight: Int
    public var flipped: Bool
    /// SDXL's crop conditioning (kohya's `crop_top_left`, measured from the right edge when flipped).
    public var conditioningCropLeft: Int
    public var conditioningCropTop: Int
    /// The caption for this step, after kohya's processing (shuffle, dropout, …).
    public var caption: String
    /// Regularisation images get `prior_loss_weight`.
    public var isRegularization: Bool

    public init(
        image: URL, imageSHA256: String, originalWidth: Int, originalHeight: Int, resizedWidth: Int,
        resizedHeight: Int, cropLeft: Int, cropTop: Int, bucketWidth: Int, bucketHeight: Int, flipped: Bool,
        conditioningCropLeft: Int = 0, conditioningCropTop: Int = 0, caption: String, isRegularization: Bool
    ) {
        self.image = image
        self.imageSHA256 = imageSHA256
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        self.resizedWidth = resizedWidth
        self.resizedHeight = resizedHeight
        self.cropLeft = cropLeft
        self.cropTop = cropTop
        self.bucketWidth = bucketWidth
        self.bucketHeight = bucketHeight
        self.flipped = flipped
        self.conditioningCropLeft = conditioningCropLeft
        self.conditioningCropTop = conditioningCropTop
        self.caption = caption
        self.isRegularization = isRegularization
    }
}

import Foundation

/// A bucket's pixel size; buckets sort by (width, height) as kohya's `BucketManager.sort` does.
public struct BucketResolution: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public static func < (a: Self, b: Self) -> Bool { (a.width, a.height) < (b.width, b.height) }
    public var description: String { "\(width)x\(height)" }
}

/// Where an image goes: its bucket and the size it is resized to before cropping to the bucket.
public struct BucketAssignment: Codable, Equatable, Sendable {
    public var bucket: BucketResolution
    /// The size after resizing (width, height); at least the bucket in both dimensions.
    public var resizedWidth: Int
    public var resizedHeight: Int
    /// The bucket's aspect ratio minus the image's.
    public var aspectRatioError: Double
}

/// kohya's `BucketManager` and `make_bucket_resolutions`: predefined buckets by aspect ratio, the
/// `bucket_no_upscale` mode's per-image buckets, and the single fixed bucket when bucketing is off.
public struct BucketManager: Sendable {
    /// The predefined buckets, sorted; empty in `bucket_no_upscale` mode.
    public let predefined: [BucketResolution]
    private let predefinedSet: Set<BucketResolution>
    private let predefinedAspectRatios: [Double]
    private let noUpscale: Bool
    private let maxArea: Int
    private let resoSteps: Int

    /// The manager kohya's `BaseDataset.make_buckets` builds for `settings` (which must be valid).
    public init(_ settings: DatasetSettings) {
        let resolution = settings.resolution
        if settings.enableBucket {
            let (minimum, maximum) = settings.adjustedBucketRange
            self.init(
                predefined: settings.bucketNoUpscale
                    ? []
                    : Self.bucketResolutions(
                        maxResolution: resolution, minSize: minimum, maxSize: maximum,
                        divisible: settings.bucketResoSteps),
                noUpscale: settings.bucketNoUpscale, maxArea: resolution.width * resolution.height,
                resoSteps: max(settings.bucketResoSteps, 1))
        } else {
            self.init(
                predefined: [BucketResolution(width: resolution.width, height: resolution.height)], noUpscale: false,
                maxArea: resolution.width * resolution.height, resoSteps: 1)
        }
    }

    private init(predefined: [BucketResolution], noUpscale: Bool, maxArea: Int, resoSteps: Int) {
        self.predefined = predefined
        predefinedSet = Set(predefined)
        predefinedAspectRatios = predefined.map { Double($0.width) / Double($0.height) }
        self.noUpscale = noUpscale
        self.maxArea = maxArea
        self.resoSteps = resoSteps
    }

    /// kohya's `make_bucket_resolutions`: the square bucket of the resolution's area, and for each width from
    /// `minSize` to `maxSize` in steps of `divisible` the tallest height within the area (and its transpose).
    public static func bucketResolutions(
        maxResolution: DatasetSettings.Resolution, minSize: Int, maxSize: Int, divisible: Int
    ) -> [BucketResolution] {
        let maxArea = maxResolution.width * maxResolution.height
        var resolutions: Set<BucketResolution> = []
        let square = Int((Double(maxArea).squareRoot() / Double(divisible)).rounded(.down)) * divisible
        resolutions.insert(BucketResolution(width: square, height: square))
        var width = minSize
        while width <= maxSize {
            let height = min(maxSize, maxArea / width / divisible * divisible)
            if height >= minSize {
                resolutions.insert(BucketResolution(width: width, height: height))
                resolutions.insert(BucketResolution(width: height, height: width))
            }
            width += divisible
        }
        return resolutions.sorted()
    }

    /// kohya's `select_bucket`; nil when the image gets an empty bucket (smaller than `bucket_reso_steps`, or so
    /// extreme an aspect ratio that a side rounds to zero, where kohya divides by zero).
    public func select(width: Int, height: Int) -> BucketAssignment? {
        guard width > 0, height > 0 else { return nil }
        let aspectRatio = Double(width) / Double(height)
        let bucket: BucketResolution
        let resized: (width: Int, height: Int)
        if !noUpscale {
            let exact = BucketResolution(width: width, height: height)
            if predefinedSet.contains(exact) {
                bucket = exact
            } else {
                // argmin of |error|: the first of equal errors, as numpy's argmin.
                var best = 0
                for (index, ratio) in predefinedAspectRatios.enumerated()
                where abs(ratio - aspectRatio) < abs(predefinedAspectRatios[best] - aspectRatio) {
                    best = index
                }
                bucket = predefined[best]
            }
            let bucketRatio = Double(bucket.width) / Double(bucket.height)
            let scale =
                aspectRatio > bucketRatio
                ? Double(bucket.height) / Double(height) : Double(bucket.width) / Double(width)
            resized = (Self.roundHalfUp(Double(width) * scale), Self.roundHalfUp(Double(height) * scale))
        } else {
            if width * height > maxArea {
                let resizedWidth = (Double(maxArea) * aspectRatio).squareRoot()
                let resizedHeight = Double(maxArea) / resizedWidth
                let widthRounded = roundToSteps(resizedWidth)
                let heightForWidth = roundToSteps(Double(widthRounded) / aspectRatio)
                let ratioWidthRounded = Self.ratio(widthRounded, heightForWidth)
                let heightRounded = roundToSteps(resizedHeight)
                let widthForHeight = roundToSteps(Double(heightRounded) * aspectRatio)
                let ratioHeightRounded = Self.ratio(widthForHeight, heightRounded)
                if abs(ratioWidthRounded - aspectRatio) < abs(ratioHeightRounded - aspectRatio) {
                    resized = (widthRounded, Self.roundHalfUp(Double(widthRounded) / aspectRatio))
                } else {
                    resized = (Self.roundHalfUp(Double(heightRounded) * aspectRatio), heightRounded)
                }
            } else {
                resized = (width, height)
            }
            bucket = BucketResolution(
                width: resized.width - resized.width % resoSteps, height: resized.height - resized.height % resoSteps)
        }
        guard bucket.width > 0, bucket.height > 0, resized.width >= bucket.width, resized.height >= bucket.height
        else { return nil }
        return BucketAssignment(
            bucket: bucket, resizedWidth: resized.width, resizedHeight: resized.height,
            aspectRatioError: Double(bucket.width) / Double(bucket.height) - aspectRatio)
    }

    /// Python's `int(x + 0.5)` for the non-negative sizes here.
    static func roundHalfUp(_ x: Double) -> Int { Int((x + 0.5).rounded(.towardZero)) }

    private func roundToSteps(_ x: Double) -> Int {
        let rounded = Self.roundHalfUp(x)
        return rounded - rounded % resoSteps
    }

    /// A ratio whose zero denominator (a kohya ZeroDivisionError) makes it lose every comparison.
    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? .infinity : Double(numerator) / Double(denominator)
    }
}

/// An 8-bit image, rows top to bottom, channels interleaved (1 gray, 3 RGB or 4 RGBA).
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image needs a positive size, got \(width)×\(height)")
        precondition([1, 3, 4].contains(channels), "unsupported channel count \(channels)")
        precondition(pixels.count == width * height * channels, "\(pixels.count) bytes for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// From interleaved values in [0, 1], rounded as diffusers' `numpy_to_pil` does (`round(x·255)`), clamped.
    public init(width: Int, height: Int, channels: Int, unitValues: [Float]) {
        let bytes = unitValues.map { value -> UInt8 in
            guard value.isFinite else { return 0 }
            return UInt8((min(max(value, 0), 1) * 255).rounded(.toNearestOrEven))
        }
        self.init(width: width, height: height, channels: channels, pixels: bytes)
    }
}

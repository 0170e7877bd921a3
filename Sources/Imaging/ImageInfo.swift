/// The image file formats `ImageDecoder` reads, recognised by their leading bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, bmp

    /// The name used in messages.
    public var name: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        case .bmp: "BMP"
        }
    }

    /// The format whose signature starts `bytes`, if any: JPEG `FF D8 FF`, PNG's 8-byte signature,
    /// `RIFF····WEBP`, or `BM`.
    public static func detect(_ bytes: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), head[8...] == Array("WEBP".utf8)[...] {
            return .webp
        }
        if head.starts(with: Array("BM".utf8)) { return .bmp }
        return nil
    }
}

/// What a header says about an image, read without decoding its pixels.
public struct ImageInfo: Equatable, Sendable {
    public let format: ImageFormat
    /// Width as displayed, after the EXIF orientation (rotations by 90° swap width and height).
    public let width: Int
    /// Height as displayed, after the EXIF orientation.
    public let height: Int
    /// Whether the pixels carry transparency: an alpha channel, a PNG tRNS chunk, a BMP alpha mask.
    public let hasAlpha: Bool
    /// The EXIF orientation the decoder applies (`.identity` when the file has none).
    public let orientation: ExifOrientation

    public init(format: ImageFormat, width: Int, height: Int, hasAlpha: Bool, orientation: ExifOrientation) {
        self.format = format
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
        self.orientation = orientation
    }
}

/// Size limits checked against the header before any pixel memory is allocated, so a 100-byte file declaring
/// 60000×60000 pixels fails fast instead of exhausting memory.
public struct DecodingLimits: Equatable, Sendable {
    /// The longest side accepted, in pixels.
    public var maxSide: Int
    /// The most pixels accepted (width × height).
    public var maxPixels: Int

    /// 16384 px per side and 2^26 px (64 Mpx, 256 MiB as RGBA) in all: more than any training image needs.
    public init(maxSide: Int = 16384, maxPixels: Int = 1 << 26) {
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }

    func admit(_ format: ImageFormat, width: Int, height: Int) throws {
        // The side checks come first, so the product cannot overflow.
        guard width <= maxSide, height <= maxSide, width * height <= maxPixels
        else { throw ImageDecodingError.tooLarge(format, width: width, height: height, limits: self) }
    }
}

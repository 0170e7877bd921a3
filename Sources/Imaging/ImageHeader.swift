/// What the container says before any pixel is decoded: the stored size, transparency and orientation.
struct ImageHeader: Equatable {
    let format: ImageFormat
    /// Stored width, before orientation.
    let width: Int
    /// Stored height, before orientation.
    let height: Int
    let hasAlpha: Bool
    let orientation: ExifOrientation

    var info: ImageInfo {
        let swap = orientation.swapsDimensions
        return ImageInfo(
            format: format, width: swap ? height : width, height: swap ? width : height, hasAlpha: hasAlpha,
            orientation: orientation)
    }

    /// Detects the format from the leading bytes and reads that format's header.
    static func read(_ source: ByteSource) throws -> ImageHeader {
        guard source.count > 0 else { throw ImageDecodingError.empty }
        let leading = try source.bytes(at: 0, length: 12)
        switch ImageFormat.detect(leading) {
        case .jpeg: return try JPEGHeader.read(source)
        case .png: return try PNGHeader.read(source)
        case .webp: return try WebPHeader.read(source)
        case .bmp: return try BMPHeader.read(source).header
        case nil: throw ImageDecodingError.unsupportedFormat(leadingBytes: leading)
        }
    }
}

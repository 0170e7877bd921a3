import Foundation

/// Reads JPEG, PNG, WebP and BMP files, recognised by their leading bytes (never by the file name), into images
/// ready for training: upright (EXIF orientation applied) and, by default, RGB with transparency composited.
///
/// Decoded pixels match Pillow's `ImageOps.exif_transpose(Image.open(f))` followed by `convert("RGB")`, or by
/// `alpha_composite` over an opaque background then `convert("RGB")` when the image has transparency, with two
/// deliberate differences: a 16-bit greyscale PNG keeps the high byte of each sample (Pillow clips its
/// `I;16` values to 255), and a PNG eXIf chunk after the image data is not applied. Orientation comes from EXIF
/// only (Pillow falls back to an XMP `tiff:Orientation` when EXIF has none); animated WebP is refused.
public enum ImageDecoder {
    /// Format, displayed size, transparency and orientation from the header alone; no pixel is decoded.
    /// Throws what `decode` would throw for a bad header or a size over `limits`.
    public static func probe(_ data: Data, limits: DecodingLimits = DecodingLimits()) throws -> ImageInfo {
        try probe(MemoryBytes(data: data), limits: limits)
    }

    /// `probe` reading only the header ranges of the file, not the whole file.
    public static func probe(contentsOf url: URL, limits: DecodingLimits = DecodingLimits()) throws -> ImageInfo {
        try probe(FileBytes(url: url), limits: limits)
    }

    /// The image upright, as RGB, with any transparency composited over `background` (white by default, as
    /// training on transparent images usually wants).
    public static func decode(
        _ data: Data, background: RGBColor = .white, limits: DecodingLimits = DecodingLimits()
    ) throws -> Image {
        let (header, pixels) = try decodePixels(data, limits: limits)
        return pixels.compositedRGB(over: background).oriented(header.orientation)
    }

    /// The image as RGBA with its alpha kept (255 where the file has none), as Pillow's `convert("RGBA")`: for
    /// alpha-masked losses. Upright unless `applyingOrientation` is false: kohya sd-scripts' `load_image` applies
    /// neither the EXIF orientation nor compositing (`convert("RGB")` drops alpha), so
    /// `decodeRGBA(data, applyingOrientation: false).droppingAlpha()` gives exactly the pixels it trains on
    /// (16-bit greyscale PNG aside, see above).
    public static func decodeRGBA(
        _ data: Data, applyingOrientation: Bool = true, limits: DecodingLimits = DecodingLimits()
    ) throws -> Image {
        let (header, pixels) = try decodePixels(data, limits: limits)
        return pixels.rgba().oriented(applyingOrientation ? header.orientation : .identity)
    }

    /// `decode` of a file's contents.
    public static func decode(
        contentsOf url: URL, background: RGBColor = .white, limits: DecodingLimits = DecodingLimits()
    ) throws -> Image {
        try decode(read(url), background: background, limits: limits)
    }

    /// `decodeRGBA` of a file's contents.
    public static func decodeRGBA(
        contentsOf url: URL, applyingOrientation: Bool = true, limits: DecodingLimits = DecodingLimits()
    ) throws -> Image {
        try decodeRGBA(read(url), applyingOrientation: applyingOrientation, limits: limits)
    }

    private static func probe(_ source: ByteSource, limits: DecodingLimits) throws -> ImageInfo {
        let header = try ImageHeader.read(source)
        try limits.admit(header.format, width: header.width, height: header.height)
        return header.info
    }

    private static func decodePixels(_ data: Data, limits: DecodingLimits) throws -> (ImageHeader, DecodedPixels) {
        // The header walk detects the format, finds the orientation and refuses oversized images before any
        // codec allocates; the codecs check the limits again against the size they actually decode.
        let header = try ImageHeader.read(MemoryBytes(data: data))
        try limits.admit(header.format, width: header.width, height: header.height)
        let pixels: DecodedPixels = switch header.format {
        case .jpeg: try LibraryDecoders.decodeJPEG(data, limits: limits)
        case .png: try LibraryDecoders.decodePNG(data, limits: limits)
        case .webp: try LibraryDecoders.decodeWebP(data, limits: limits)
        case .bmp: try BMPDecoder.decode(data, limits: limits)
        }
        return (header, pixels)
    }

    private static func read(_ url: URL) throws -> Data {
        // Read, not memory-mapped: a file truncated by another process while mapped would crash with SIGBUS.
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ImageDecodingError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }
}

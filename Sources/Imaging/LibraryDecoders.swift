import CImageShims
import CWebP
import Foundation

/// JPEG and PNG through the setjmp-guarded shims over libjpeg-turbo and libpng; WebP through libwebp, whose
/// decoder returns status codes by itself.
enum LibraryDecoders {
    static func decodeJPEG(_ data: Data, limits: DecodingLimits) throws -> DecodedPixels {
        let decoded = try runShim(.jpeg, data, limits, lorad_jpeg_decode)
        // Four channels from the JPEG shim are CMYK (libjpeg converts YCCK to CMYK), never RGBA.
        guard decoded.layout.rawValue == 4 else { return decoded }
        let rgb = cmykToRGB(decoded.pixels)
        return DecodedPixels(width: decoded.width, height: decoded.height, layout: .rgb, pixels: rgb)
    }

    static func decodePNG(_ data: Data, limits: DecodingLimits) throws -> DecodedPixels {
        try runShim(.png, data, limits, lorad_png_decode)
    }

    static func decodeWebP(_ data: Data, limits: DecodingLimits) throws -> DecodedPixels {
        try data.withUnsafeBytes { raw -> DecodedPixels in
            let bytes = raw.bindMemory(to: UInt8.self)
            var config = WebPDecoderConfig()
            guard WebPInitDecoderConfig(&config) != 0 else {
                throw ImageDecodingError.corrupt(.webp, "libwebp rejected its decoder configuration (version mismatch)")
            }
            let featureStatus = WebPGetFeatures(bytes.baseAddress, bytes.count, &config.input)
            guard featureStatus == VP8_STATUS_OK else { throw webPError(featureStatus) }
            let (width, height) = (Int(config.input.width), Int(config.input.height))
            try limits.admit(.webp, width: width, height: height)
            if config.input.has_animation != 0 { throw ImageDecodingError.unsupportedVariant(.webp, "animated WebP") }
            let layout: DecodedPixels.Layout = config.input.has_alpha != 0 ? .rgba : .rgb
            var pixels = [UInt8](repeating: 0, count: width * height * layout.rawValue)
            let status = pixels.withUnsafeMutableBufferPointer { target -> VP8StatusCode in
                config.output.colorspace = layout == .rgba ? MODE_RGBA : MODE_RGB
                config.output.is_external_memory = 1
                config.output.u.RGBA.rgba = target.baseAddress
                config.output.u.RGBA.stride = Int32(width * layout.rawValue)
                config.output.u.RGBA.size = target.count
                defer { WebPFreeDecBuffer(&config.output) }
                return WebPDecode(bytes.baseAddress, bytes.count, &config)
            }
            guard status == VP8_STATUS_OK else { throw webPError(status) }
            return DecodedPixels(width: width, height: height, layout: layout, pixels: pixels)
        }
    }

    private static func webPError(_ status: VP8StatusCode) -> ImageDecodingError {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA: .truncated(.webp, "the file ends inside the WebP data")
        case VP8_STATUS_OUT_OF_MEMORY: .corrupt(.webp, "libwebp ran out of memory")
        case VP8_STATUS_UNSUPPORTED_FEATURE: .unsupportedVariant(.webp, "a feature libwebp does not decode")
        case VP8_STATUS_INVALID_PARAM: .corrupt(.webp, "libwebp: invalid parameter")
        default: .corrupt(.webp, "libwebp: the bitstream is invalid (status \(status.rawValue))")
        }
    }

    private typealias Shim = (UnsafePointer<UInt8>?, Int, UInt32, UInt64, UnsafeMutablePointer<lorad_decoded_image>?)
        -> lorad_decode_status

    private static func runShim(_ format: ImageFormat, _ data: Data, _ limits: DecodingLimits, _ shim: Shim) throws
        -> DecodedPixels
    {
        var result = lorad_decoded_image()
        let status = data.withUnsafeBytes { raw in
            shim(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, UInt32(clamping: limits.maxSide),
                UInt64(limits.maxPixels), &result)
        }
        defer { lorad_decoded_free(&result) }
        let message = withUnsafeBytes(of: result.message) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let (width, height) = (Int(result.width), Int(result.height))
        switch status {
        case LORAD_DECODE_OK:
            guard let layout = DecodedPixels.Layout(rawValue: Int(result.channels)), let pixels = result.pixels else {
                throw ImageDecodingError.corrupt(format, "the decoder returned \(result.channels) channels")
            }
            let samples = [UInt8](UnsafeBufferPointer(start: pixels, count: width * height * layout.rawValue))
            return DecodedPixels(width: width, height: height, layout: layout, pixels: samples)
        case LORAD_DECODE_TRUNCATED: throw ImageDecodingError.truncated(format, message)
        case LORAD_DECODE_TOO_LARGE:
            throw ImageDecodingError.tooLarge(format, width: width, height: height, limits: limits)
        case LORAD_DECODE_OUT_OF_MEMORY: throw ImageDecodingError.outOfMemory(format, width: width, height: height)
        default: throw ImageDecodingError.corrupt(format, "\(format == .jpeg ? "libjpeg" : "libpng"): \(message)")
        }
    }

    /// libjpeg's raw CMYK samples to RGB as Pillow does: it reads CMYK JPEGs inverted ("CMYK;I", Adobe's
    /// convention, assumed for every file) and converts with `255 − k' − c'·(255 − k')/255` per channel, where
    /// c' and k' are the inverted samples and the division is its rounding `MULDIV255`.
    private static func cmykToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for pixel in 0..<count {
            let notK = Int(cmyk[pixel * 4 + 3])  // 255 − k' with k' = 255 − stored
            for channel in 0..<3 {
                let ink = 255 - Int(cmyk[pixel * 4 + channel])
                let product = ink * notK + 128
                rgb[pixel * 3 + channel] = UInt8(clamping: notK - (((product >> 8) + product) >> 8))
            }
        }
        return rgb
    }
}

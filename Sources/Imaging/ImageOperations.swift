extension Image {
    /// Resized the way kohya sd-scripts' `resize_image` does by default: OpenCV `INTER_AREA` when neither side
    /// grows, Pillow `LANCZOS` otherwise. Channels are resampled independently (alpha is not premultiplied), so
    /// composite transparency first, as `ImageDecoder.decode` does.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "cannot resize to \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        if newWidth <= width && newHeight <= height {
            return AreaResampling.resize(self, width: newWidth, height: newHeight)
        }
        return LanczosResampling.resize(self, width: newWidth, height: newHeight)
    }

    /// The `width` × `height` rectangle whose top-left corner is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
        precondition(
            x >= 0 && y >= 0 && cropWidth > 0 && cropHeight > 0 && x + cropWidth <= width && y + cropHeight <= height,
            "crop \(cropWidth)×\(cropHeight) at (\(x), \(y)) is outside a \(width)×\(height) image")
        var out = [UInt8]()
        out.reserveCapacity(cropWidth * cropHeight * channels)
        for row in y..<(y + cropHeight) {
            let start = (row * width + x) * channels
            out.append(contentsOf: pixels[start..<(start + cropWidth * channels)])
        }
        return Image(width: cropWidth, height: cropHeight, channels: channels, pixels: out)
    }

    /// RGB from RGBA by discarding alpha, as Pillow's `convert("RGB")` does (no compositing); other images unchanged.
    public func droppingAlpha() -> Image {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for pixel in 0..<(width * height) {
            for channel in 0..<3 { out[pixel * 3 + channel] = pixels[pixel * 4 + channel] }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// Mirrored left to right (the flip augmentation).
    public func flippedHorizontally() -> Image {
        oriented(.flipHorizontal)
    }

    /// Samples as `Float` in [-1, 1], height × width × channels order, computed as sd-scripts' `IMAGE_TRANSFORMS`
    /// (torchvision `ToTensor` then `Normalize([0.5], [0.5])`) does in float32: `(x / 255 − 0.5) / 0.5`.
    public func signedUnitValues() -> [Float] {
        pixels.map { (Float($0) / 255 - 0.5) / 0.5 }
    }
}

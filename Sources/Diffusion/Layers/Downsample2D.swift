import Tensors

/// diffusers `Downsample2D` with a convolution (`models/downsampling.py`): a 3×3 convolution of stride 2.
/// `padding` 0 means the VAE's form: pad only bottom and right by one pixel, then convolve unpadded.
public struct Downsample2D: Sendable {
    public let conv: Conv2d

    public init(_ parameters: Parameters, channels: Int, padding: Int) {
        let pad = padding == 0 ? Padding2D(top: 0, left: 0, bottom: 1, right: 1) : .uniform(padding)
        conv = Conv2d(
            parameters["conv"], inChannels: channels, outChannels: channels, kernelSize: 3, stride: 2, padding: pad)
    }

    /// `[B, H, W, C]` → `[B, ⌊(H + pads − 3)/2⌋ + 1, …, C]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}

import Tensors

/// diffusers `Upsample2D` with a convolution (`models/upsampling.py`): nearest-neighbour resize, then a 3×3
/// convolution.
public struct Upsample2D: Sendable {
    public let conv: Conv2d
    let backend: any Backend

    public init(_ parameters: Parameters, channels: Int) {
        conv = Conv2d(
            parameters["conv"], inChannels: channels, outChannels: channels, kernelSize: 3, padding: .uniform(1))
        backend = parameters.backend
    }

    /// `x [B, H, W, C]` → `[B, 2H, 2W, C]`, or `[B, height, width, C]` when `size` is given (the UNet passes the
    /// skip connection's size when the input was not a multiple of its total downsampling).
    public func callAsFunction(_ x: Tensor, size: (height: Int, width: Int)? = nil) -> Tensor {
        let (height, width) = size ?? (x.shape[1] * 2, x.shape[2] * 2)
        return conv(backend.upsampleNearest(x, height: height, width: width))
    }
}

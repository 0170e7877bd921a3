/// The sd-scripts options that decide which modules a `networks.lora` network has and their ranks and alphas.
public struct KohyaNetworkOptions: Sendable, Equatable {
    /// `network_dim`: the rank of Linear and 1×1 convolution modules; 0 leaves them out.
    public var networkDim: Int
    /// `network_alpha`; 0 means the rank (no scaling), as in sd-scripts' `LoRAModule`.
    public var networkAlpha: Float
    /// `conv_dim` (`network_args`): with it, LoCon: the UNet's ResnetBlock2D, Downsample2D and Upsample2D layers are
    /// adapted too, their 3×3 convolutions at this rank (0 leaves those out).
    public var convDim: Int?
    /// `conv_alpha`; sd-scripts uses 1 when `conv_dim` is given without it.
    public var convAlpha: Float?
    /// `false` for `network_train_text_encoder_only`.
    public var trainUNet: Bool
    /// `false` for `network_train_unet_only`.
    public var trainTextEncoders: Bool

    /// sd-scripts' defaults: `network_dim` 4 and `network_alpha` 1 when not given (`create_network`).
    public init(
        networkDim: Int = 4, networkAlpha: Float = 1, convDim: Int? = nil, convAlpha: Float? = nil,
        trainUNet: Bool = true, trainTextEncoders: Bool = true
    ) {
        self.networkDim = networkDim
        self.networkAlpha = networkAlpha
        self.convDim = convDim
        self.convAlpha = convAlpha
        self.trainUNet = trainUNet
        self.trainTextEncoders = trainTextEncoders
    }
}

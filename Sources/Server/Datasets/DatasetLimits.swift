/// The most a dataset import may take in. Each is counted as the bytes arrive or are unpacked, never taken from
/// what a header or an archive's directory claims.
public struct DatasetLimits: Sendable, Equatable {
    /// The most bytes one upload request body may hold.
    public var maxUploadBytes: Int64
    /// The most bytes an archive may unpack to (a zip or tar bomb stops here with 413).
    public var maxExpandedBytes: Int64
    /// The most files (images and captions) one dataset may hold.
    public var maxFiles: Int

    /// Defaults: 4 GiB uploads, 8 GiB unpacked, 20 000 files.
    public init(maxUploadBytes: Int64 = 4 << 30, maxExpandedBytes: Int64 = 8 << 30, maxFiles: Int = 20_000) {
        self.maxUploadBytes = maxUploadBytes
        self.maxExpandedBytes = maxExpandedBytes
        self.maxFiles = maxFiles
    }
}

/// What a row stores about a blob: its content address, size and media type.
public struct BlobReference: Sendable, Hashable, Codable {
    /// The SHA-256 of the bytes, 64 lowercase hexadecimal digits.
    public let sha256: String
    /// The size in bytes.
    public let size: Int64
    /// The media type, e.g. `image/png` or `application/octet-stream`.
    public let mediaType: String

    /// A reference to bytes already hashed.
    public init(sha256: String, size: Int64, mediaType: String) {
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
    }

    /// Whether `digest` is a well-formed sha256 as the store names blobs: 64 lowercase hexadecimal digits.
    public static func isValidDigest(_ digest: String) -> Bool {
        digest.utf8.count == 64 && digest.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

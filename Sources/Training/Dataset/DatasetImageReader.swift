import Foundation

/// Reads an image's pixel size without decoding it; the `Imaging` target provides the real one.
public protocol DatasetImageReader: Sendable {
    /// The size of the image at `url`; throws when the file is not a readable image.
    func info(of url: URL) throws -> (width: Int, height: Int)
}

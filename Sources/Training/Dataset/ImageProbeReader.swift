import Foundation
import Imaging

/// Image sizes for the dataset from the file headers (`ImageDecoder.probe`): the displayed size, after EXIF
/// orientation, which is the size the trainer's decoder returns.
public struct ImageProbeReader: DatasetImageReader {
    public init() {}

    public func info(of url: URL) throws -> (width: Int, height: Int) {
        let info = try ImageDecoder.probe(contentsOf: url)
        return (info.width, info.height)
    }
}

import Foundation
import Imaging
import Store

/// One prompt's images of a grid in one PNG: a row per checkpoint and a column per weight, in the spec's order,
/// without labels (the grid's JSON says the order).
enum GridMosaic {
    struct MosaicError: Error, CustomStringConvertible {
        let description: String
    }

    /// The mosaic of `rows` (each a row's cell PNGs, left to right), all of one size.
    static func png(rows: [[Data]]) throws -> Data {
        let images = try rows.map { row in try row.map { try ImageDecoder.decode($0) } }
        guard let first = images.first?.first else { throw MosaicError(description: "a mosaic needs an image") }
        let (width, height) = (first.width, first.height)
        let columns = images[0].count
        guard images.allSatisfy({ $0.count == columns && $0.allSatisfy { $0.width == width && $0.height == height } })
        else { throw MosaicError(description: "the images of a mosaic differ in size") }
        let stride = columns * width * 3
        var pixels = [UInt8](repeating: 0, count: images.count * height * stride)
        for (row, cells) in images.enumerated() {
            for (column, image) in cells.enumerated() {
                for y in 0..<height {
                    let source = y * width * 3
                    let target = (row * height + y) * stride + column * width * 3
                    pixels.replaceSubrange(target..<target + width * 3, with: image.pixels[source..<source + width * 3])
                }
            }
        }
        return try PNGEncoder.encode(
            Image(width: columns * width, height: images.count * height, channels: 3, pixels: pixels))
    }
}

import Foundation
import Imaging

/// Measures the shape in a picture of the demo world (one flat shape on a flat background, tools/demo_world.py):
/// the star is the only shape there whose outline repeats five times a turn, so the five-fold harmonic of its outline
/// (about 0.4 for a drawn star, above 0.13 for the demo LoRA's plumper ones, under 0.07 for the circles, squares and
/// triangles the demo model draws) tells it apart.
struct DemoShapeMeasure {
    /// Pixels of the largest connected region that differs clearly from the background.
    let shapeArea: Int
    /// The five-fold harmonic of that region's outline; `nil` when no shape stands out.
    let fiveFold: Double?

    /// Above this five-fold harmonic a shape counts as a star (`STAR_HARMONIC` in tools/demo_world.py).
    static let starHarmonic = 0.1

    var showsStar: Bool { fiveFold.map { $0 > Self.starHarmonic } ?? false }

    init(_ image: Image) {
        let mask = Self.foreground(image)
        let region = Self.largestRegion(mask, width: image.width, height: image.height)
        shapeArea = region.count
        fiveFold =
            region.count < 40 ? nil : Self.outlineHarmonic(5, of: region, width: image.width, height: image.height)
    }

    /// Pixels further than 60 (in RGB distance) from the background, the per-channel median of the border pixels.
    private static func foreground(_ image: Image) -> [Bool] {
        let (width, height, channels) = (image.width, image.height, image.channels)
        func rgb(_ x: Int, _ y: Int) -> [Double] {
            let base = (y * width + x) * channels
            return (0..<3).map { Double(image.pixels[base + min($0, channels - 1)]) }
        }
        var border: [[Double]] = []
        for x in 0..<width { border += [rgb(x, 0), rgb(x, height - 1)] }
        for y in 0..<height { border += [rgb(0, y), rgb(width - 1, y)] }
        let background = (0..<3).map { channel in
            let values = border.map { $0[channel] }.sorted()
            return values[values.count / 2]
        }
        return (0..<(width * height)).map { index in
            let pixel = rgb(index % width, index / width)
            let distanceSquared = zip(pixel, background).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return distanceSquared > 60 * 60
        }
    }

    /// The pixel indices of the largest 4-connected region of `mask` (stray specks of a generated picture ignored).
    private static func largestRegion(_ mask: [Bool], width: Int, height: Int) -> [Int] {
        var seen = [Bool](repeating: false, count: mask.count)
        var largest: [Int] = []
        for start in mask.indices where mask[start] && !seen[start] {
            var region = [start]
            seen[start] = true
            var next = 0
            while next < region.count {
                let index = region[next]
                next += 1
                let (x, y) = (index % width, index / width)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && nx < width && ny >= 0 && ny < height {
                    let neighbour = ny * width + nx
                    if mask[neighbour] && !seen[neighbour] {
                        seen[neighbour] = true
                        region.append(neighbour)
                    }
                }
            }
            if region.count > largest.count { largest = region }
        }
        return largest
    }

    /// How strongly the region's outline repeats `k` times a turn: the k-th Fourier coefficient of the distance from
    /// the region's centroid to its outline pixels (those with a 4-neighbour outside it), over their mean distance.
    private static func outlineHarmonic(_ k: Int, of region: [Int], width: Int, height: Int) -> Double {
        var inRegion = [Bool](repeating: false, count: width * height)
        for index in region { inRegion[index] = true }
        let count = Double(region.count)
        let centreX = region.reduce(0.0) { $0 + Double($1 % width) } / count
        let centreY = region.reduce(0.0) { $0 + Double($1 / width) } / count
        var (real, imaginary, radiusSum) = (0.0, 0.0, 0.0)
        for index in region {
            let (x, y) = (index % width, index / width)
            func outside(_ nx: Int, _ ny: Int) -> Bool {
                nx < 0 || nx >= width || ny < 0 || ny >= height || !inRegion[ny * width + nx]
            }
            guard outside(x - 1, y) || outside(x + 1, y) || outside(x, y - 1) || outside(x, y + 1) else { continue }
            let (dx, dy) = (Double(x) - centreX, Double(y) - centreY)
            let radius = (dx * dx + dy * dy).squareRoot()
            let angle = Double(k) * atan2(dy, dx)
            real += radius * cos(angle)
            imaginary -= radius * sin(angle)
            radiusSum += radius
        }
        return (real * real + imaginary * imaginary).squareRoot() / radiusSum
    }
}

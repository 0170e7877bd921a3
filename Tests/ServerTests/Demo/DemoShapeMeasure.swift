import Imaging

/// Measures the shape in a picture of the demo world (one flat shape on a flat background, tools/demo_world.py):
/// the star is the only shape there whose outline bends inwards, so its solidity (area over convex-hull area, about
/// 0.65 for the star, above 0.85 for circles, squares and triangles) tells it apart.
struct DemoShapeMeasure {
    /// Pixels of the largest connected region that differs clearly from the background.
    let shapeArea: Int
    /// `shapeArea` over the area of its convex hull; `nil` when no shape stands out.
    let solidity: Double?

    /// Below this solidity a shape counts as a star.
    static let starSolidity = 0.8

    var showsStar: Bool { solidity.map { $0 < Self.starSolidity } ?? false }

    init(_ image: Image) {
        let mask = Self.largestRegion(Self.foreground(image), width: image.width, height: image.height)
        shapeArea = mask.count
        solidity = mask.count < 40 ? nil : Double(mask.count) / Self.convexHullArea(of: mask, width: image.width)
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

    /// The area of the convex hull of the pixels' unit squares (Andrew's monotone chain over their corners).
    private static func convexHullArea(of pixels: [Int], width: Int) -> Double {
        var corners = Set<[Int]>()
        for index in pixels {
            let (x, y) = (index % width, index / width)
            for dx in 0...1 { for dy in 0...1 { corners.insert([x + dx, y + dy]) } }
        }
        let points = corners.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        func cross(_ o: [Int], _ a: [Int], _ b: [Int]) -> Int {
            (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
        }
        func halfHull(_ sequence: [[Int]]) -> [[Int]] {
            var hull: [[Int]] = []
            for point in sequence {
                while hull.count >= 2 && cross(hull[hull.count - 2], hull[hull.count - 1], point) <= 0 {
                    hull.removeLast()
                }
                hull.append(point)
            }
            return hull
        }
        let hull = halfHull(points).dropLast() + halfHull(points.reversed()).dropLast()
        var twiceArea = 0
        for (index, point) in hull.enumerated() {
            let next = hull[(index + 1) % hull.count]
            twiceArea += point[0] * next[1] - next[0] * point[1]
        }
        return Double(abs(twiceArea)) / 2
    }
}

import Foundation
import Imaging
import TestSupport
import Testing

/// The demo test's shape measure against its reference, `describe` in tools/demo_world.py, on pictures that script's
/// world drew (`tools/make_demo_measure_fixtures.py`): clean, with noise and stray specks, and blurred.
@Suite struct DemoShapeMeasureTests {
    struct Expectation: Decodable {
        let drawn: String
        let measured: String
        let fiveFold: Double

        enum CodingKeys: String, CodingKey {
            case drawn, measured
            case fiveFold = "five_fold"
        }
    }

    static let folder = Fixtures.root.appendingPathComponent("demo_shapes")

    @Test func agreesWithTheReferenceMeasureAndTellsStarsFromOtherShapes() throws {
        let expected = try JSONDecoder().decode(
            [String: Expectation].self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
        #expect(Set(expected.values.map(\.drawn)) == ["circle", "square", "triangle", "zkstar"])
        for (name, expectation) in expected.sorted(by: { $0.key < $1.key }) {
            let measure = DemoShapeMeasure(
                try ImageDecoder.decode(contentsOf: Self.folder.appendingPathComponent(name)))
            let fiveFold = try #require(measure.fiveFold, "\(name): no shape found")
            #expect(abs(fiveFold - expectation.fiveFold) < 1e-9, "\(name)")
            #expect(measure.showsStar == (expectation.drawn == "zkstar"), "\(name): five-fold harmonic \(fiveFold)")
        }
    }

    @Test func findsNoShapeInAFlatPicture() {
        let flat = Image(width: 64, height: 64, channels: 3, pixels: [UInt8](repeating: 90, count: 64 * 64 * 3))
        let measure = DemoShapeMeasure(flat)
        #expect(measure.fiveFold == nil)
        #expect(!measure.showsStar)
    }
}

import Foundation
import Imaging
import Testing

/// Resizing against OpenCV INTER_AREA and Pillow LANCZOS (the filters kohya sd-scripts' resize_image picks
/// between), exactly; crop, flip and the [-1, 1] conversion against their definitions and torch.
@Suite struct ImageOperationsTests {
    @Test(arguments: ImageFixtures.manifest.resize)
    func resizeMatchesTheReference(_ fixture: ImageFixtures.ResizeCase) throws {
        var source = try ImageFixtures.image(npy: fixture.source)
        switch fixture.crop {
        case "crop36x22": source = source.cropped(x: 0, y: 0, width: 36, height: 22)
        case "crop36x21": source = source.cropped(x: 0, y: 0, width: 36, height: 21)
        default: #expect(fixture.crop == "full")
        }
        // The fixture's method is what resized(width:height:) must choose: area only when no side grows.
        let shrinks = fixture.width <= source.width && fixture.height <= source.height
        #expect(shrinks == (fixture.method == "area"))
        let resized = source.resized(width: fixture.width, height: fixture.height)
        let reference = try ImageFixtures.image(npy: fixture.name)
        #expect(largestDifference(resized, reference) == 0)
    }

    @Test func resizeToTheSameSizeIsIdentity() throws {
        let source = try ImageFixtures.image(npy: "resize_source")
        #expect(source.resized(width: source.width, height: source.height) == source)
    }

    @Test func cropTakesTheRectangle() {
        let image = Image(width: 5, height: 4, channels: 3, pixels: (0..<60).map { UInt8($0) })
        let crop = image.cropped(x: 1, y: 2, width: 3, height: 2)
        #expect(crop.width == 3 && crop.height == 2)
        // Rows 2 and 3, columns 1…3: row r starts at byte r · 15, column c at 3c within it.
        let expected: [UInt8] = Array(33..<42) + Array(48..<57)
        #expect(crop.pixels == expected)
    }

    @Test func horizontalFlipMirrorsEachRow() {
        let image = Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.flippedHorizontally().pixels == [3, 2, 1, 6, 5, 4])
        let rgb = Image(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        #expect(rgb.flippedHorizontally().pixels == [4, 5, 6, 1, 2, 3])
    }

    @Test func signedUnitValuesMatchTorchvisionNormalize() throws {
        let source = try ImageFixtures.image(npy: "signed_unit_source")
        let reference = try ImageFixtures.floats(npy: "signed_unit_values")
        let values = source.signedUnitValues()
        #expect(values.count == reference.count)
        #expect(values.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(Image(width: 2, height: 1, channels: 1, pixels: [0, 255]).signedUnitValues() == [-1, 1])
    }

    @Test func orientationTransformsMatchTheirDefinitions() {
        // 3×2 grey image, values 0…5 row by row: each transform checked against a hand-written result.
        let image = Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        let expected: [ExifOrientation: (Int, [UInt8])] = [
            .identity: (3, [0, 1, 2, 3, 4, 5]),
            .flipHorizontal: (3, [2, 1, 0, 5, 4, 3]),
            .rotate180: (3, [5, 4, 3, 2, 1, 0]),
            .flipVertical: (3, [3, 4, 5, 0, 1, 2]),
            .transpose: (2, [0, 3, 1, 4, 2, 5]),
            .rotate90Clockwise: (2, [3, 0, 4, 1, 5, 2]),
            .transverse: (2, [5, 2, 4, 1, 3, 0]),
            .rotate90CounterClockwise: (2, [2, 5, 1, 4, 0, 3]),
        ]
        for (orientation, (width, pixels)) in expected {
            let oriented = image.oriented(orientation)
            #expect(oriented.width == width && oriented.pixels == pixels, "\(orientation)")
        }
    }
}

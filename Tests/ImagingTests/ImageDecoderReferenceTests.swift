import Foundation
import Imaging
import Testing

/// Every decodable fixture against what Pillow decodes it to (after exif_transpose and compositing over the
/// fixture's background), written by tools/make_image_fixtures.py. Lossless formats must match exactly; lossy
/// JPEG and WebP within the manifest's tolerance (1 and 2), which covers libjpeg-turbo and libwebp versions
/// other than the ones bundled with Pillow.
@Suite struct ImageDecoderReferenceTests {
    static let cases = ImageFixtures.manifest.decode

    @Test(arguments: cases)
    func decodedPixelsMatchPillow(_ fixture: ImageFixtures.DecodeCase) throws {
        let data = try ImageFixtures.data(fixture.file)
        let background = RGBColor(red: fixture.background[0], green: fixture.background[1], blue: fixture.background[2])
        let decoded = try ImageDecoder.decode(data, background: background)
        let reference = try ImageFixtures.image(npy: fixture.file)
        #expect(decoded.channels == 3)
        let difference = try #require(largestDifference(decoded, reference), "\(decoded.width)×\(decoded.height)")
        #expect(difference <= fixture.tolerance, "largest difference \(difference)")
    }

    @Test(arguments: cases)
    func probeReportsTheDisplayedSizeAndAlpha(_ fixture: ImageFixtures.DecodeCase) throws {
        let url = ImageFixtures.folder.appendingPathComponent(fixture.file)
        let info = try ImageDecoder.probe(contentsOf: url)
        #expect(info == (try ImageDecoder.probe(Data(contentsOf: url))))
        #expect(info.width == fixture.width && info.height == fixture.height)
        #expect(info.hasAlpha == fixture.hasAlpha)
        let formats: [String: ImageFormat] = ["jpg": .jpeg, "png": .png, "webp": .webp, "bmp": .bmp]
        #expect(info.format == formats[url.pathExtension])
    }

    @Test(arguments: cases.filter(\.keepsAlpha))
    func decodeRGBAKeepsAlphaAsPillowConvertsIt(_ fixture: ImageFixtures.DecodeCase) throws {
        let decoded = try ImageDecoder.decodeRGBA(contentsOf: ImageFixtures.folder.appendingPathComponent(fixture.file))
        let reference = try ImageFixtures.image(npy: "\(fixture.file).rgba")
        #expect(largestDifference(decoded, reference) == 0)
    }

    /// kohya's load_image is `Image.open(f).convert("RGB")`: stored orientation, alpha dropped. The orientation
    /// JPEGs hold the same pixels as orientation1.jpg (only the EXIF differs); rgba.png's colour is its reference's.
    @Test func kohyaParityDecodingSkipsOrientationAndDropsAlpha() throws {
        let stored = try ImageFixtures.image(npy: "orientation1.jpg")
        for orientation in 2...8 {
            let data = try ImageFixtures.data("orientation\(orientation).jpg")
            #expect(try ImageDecoder.decodeRGBA(data, applyingOrientation: false).droppingAlpha() == stored)
        }
        let rgba = try ImageDecoder.decodeRGBA(ImageFixtures.data("rgba.png"), applyingOrientation: false)
        #expect(rgba.droppingAlpha() == (try ImageFixtures.image(npy: "rgba.png.rgba")).droppingAlpha())
        #expect(rgba.droppingAlpha().pixels == stride(from: 0, to: rgba.pixels.count, by: 4).flatMap {
            rgba.pixels[$0..<($0 + 3)]
        })
    }

    @Test func defaultBackgroundIsWhite() throws {
        let data = try ImageFixtures.data("composite_white.png")
        #expect(try ImageDecoder.decode(data) == (try ImageFixtures.image(npy: "composite_white.png")))
    }

    @Test func eachExifOrientationIsReadFromBothByteOrders() throws {
        for orientation in ExifOrientation.allCases {
            // The generator writes odd orientations little-endian ("II") and even ones big-endian ("MM").
            let info = try ImageDecoder.probe(ImageFixtures.data("orientation\(orientation.rawValue).jpg"))
            #expect(info.orientation == orientation)
            #expect((info.width, info.height) == (orientation.swapsDimensions ? (7, 13) : (13, 7)))
        }
        #expect(try ImageDecoder.probe(ImageFixtures.data("orientation6.png")).orientation == .rotate90Clockwise)
        let webp = try ImageDecoder.probe(ImageFixtures.data("orientation8.webp"))
        #expect(webp.orientation == .rotate90CounterClockwise)
        #expect(try ImageDecoder.probe(ImageFixtures.data("rgb.jpg")).orientation == .identity)
    }
}

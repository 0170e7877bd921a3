import Foundation
import Imaging
import Testing
import Training

/// The dataset's image sizes from file headers against what Pillow reads from real files.
@Suite struct ImageProbeReaderTests {
    static let images = BucketGoldens.url.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("images")

    @Test func sizesMatchTheReference() throws {
        let expected = try #require(try BucketGoldens.load()["image_headers"] as? [String: [Int]])
        #expect(expected.count >= 10)
        for (name, size) in expected {
            let got = try ImageProbeReader().info(of: Self.images.appendingPathComponent(name))
            #expect([got.width, got.height] == size, "\(name)")
        }
    }

    @Test func damagedFilesThrowInsteadOfCrashing() throws {
        let scratch = try ScratchFolder()
        let png = try Data(contentsOf: Self.images.appendingPathComponent("rgb-37x23.png"))
        let jpeg = try Data(contentsOf: Self.images.appendingPathComponent("baseline-41x19.jpg"))
        let cases: [(String, Data)] = [
            ("text.png", Data("hello".utf8)), ("empty.jpg", Data()), ("short.png", png.prefix(20)),
            ("short.jpg", jpeg.prefix(30)), ("riff.webp", Data("RIFF\0\0\0\0WEBPVP8 ".utf8)),
            ("zero.png", png.prefix(16) + Data([0, 0, 0, 0, 0, 0, 0, 0]) + png.dropFirst(24)),
            ("bm.bmp", Data("BM".utf8)),
        ]
        for (name, bytes) in cases {
            let url = scratch.url.appendingPathComponent(name)
            try bytes.write(to: url)
            #expect(throws: ImageDecodingError.self, "\(name)") { try ImageProbeReader().info(of: url) }
        }
        #expect(throws: ImageDecodingError.self) {
            try ImageProbeReader().info(of: scratch.url.appendingPathComponent("missing.png"))
        }
    }
}

import Foundation
import Imaging
import TestSupport
import Testing

/// Broken and hostile inputs: each must end in the right `ImageDecodingError`, never in a crash, a hang or a huge
/// allocation.
@Suite struct ImageDecoderErrorTests {
    static func caseName(_ error: ImageDecodingError) -> String {
        switch error {
        case .empty: "empty"
        case .unsupportedFormat: "unsupportedFormat"
        case .unsupportedVariant: "unsupportedVariant"
        case .truncated: "truncated"
        case .corrupt: "corrupt"
        case .tooLarge: "tooLarge"
        case .outOfMemory: "outOfMemory"
        case .unreadable: "unreadable"
        }
    }

    @Test(arguments: ImageFixtures.manifest.errors)
    func brokenFileFailsWithItsReason(_ fixture: ImageFixtures.ErrorCase) throws {
        let data = try ImageFixtures.data(fixture.file)
        let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder.decode(data) }
        #expect(Self.caseName(error) == fixture.error)
        #expect(error.description.contains(fixture.contains), "\(error)")
    }

    /// The probe refuses what the header alone shows to be wrong (too large, unknown, unsupported).
    static let headerErrors = ImageFixtures.manifest.errors.filter {
        ["tooLarge", "unsupportedFormat", "empty"].contains($0.error)
    }

    @Test(arguments: headerErrors)
    func probeRefusesWhatTheHeaderShows(_ fixture: ImageFixtures.ErrorCase) throws {
        let url = ImageFixtures.folder.appendingPathComponent(fixture.file)
        let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder.probe(contentsOf: url) }
        #expect(Self.caseName(error) == fixture.error)
    }

    @Test func unknownFormatNamesItsLeadingBytes() throws {
        let error = try #require(throws: ImageDecodingError.self) {
            try ImageDecoder.decode(Data([0x00, 0x01, 0xAB, 0xFF]))
        }
        #expect(error.description.contains("00 01 AB FF"), "\(error)")
    }

    @Test func limitsAreParameters() throws {
        let data = try ImageFixtures.data("rgb.png")
        let error = try #require(throws: ImageDecodingError.self) {
            try ImageDecoder.decode(data, limits: DecodingLimits(maxSide: 12))
        }
        #expect(error == .tooLarge(.png, width: 13, height: 7, limits: DecodingLimits(maxSide: 12)))
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.probe(data, limits: DecodingLimits(maxPixels: 90)) }
        #expect(try ImageDecoder.decode(data, limits: DecodingLimits(maxSide: 13, maxPixels: 91)).width == 13)
    }

    @Test func missingFileIsUnreadable() {
        let url = ImageFixtures.folder.appendingPathComponent("no such file.png")
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(contentsOf: url) }
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.probe(contentsOf: url) }
    }

    /// Every prefix of every valid fixture, and copies with bytes overwritten at fixed strides: each either decodes
    /// to a consistent image or throws our error type; nothing else (a crash, a trap, another error) is acceptable.
    @Test(arguments: ImageFixtures.manifest.decode.map(\.file))
    func damagedCopiesFailCleanly(_ file: String) throws {
        let original = try ImageFixtures.data(file)
        var variants: [Data] = (0..<original.count).map { original.prefix($0) }
        for stride in [3, 7, 31] {
            for value: UInt8 in [0x00, 0xFF, 0x7F] {
                var damaged = original
                for index in Swift.stride(from: 2 + stride, to: damaged.count, by: stride) { damaged[index] = value }
                variants.append(damaged)
            }
        }
        for data in variants {
            do {
                let image = try ImageDecoder.decode(data)
                #expect(image.pixels.count == image.width * image.height * 3)
            } catch is ImageDecodingError {
            }
        }
    }

    @Test func randomBytesAfterEachSignatureFailCleanly() {
        var generator = SplitMix64(seed: 42)
        let signatures: [[UInt8]] = [
            [0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], Array("RIFF\u{10}\0\0\0WEBP".utf8),
            Array("BM".utf8),
        ]
        for signature in signatures {
            for length in [0, 1, 5, 20, 100, 1000] {
                for _ in 0..<20 {
                    let data = Data(signature + (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
                    do { _ = try ImageDecoder.decode(data) } catch is ImageDecodingError {} catch {
                        Issue.record("unexpected error type: \(error)")
                    }
                }
            }
        }
    }
}

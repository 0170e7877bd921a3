import Foundation
import SafeTensors
import Testing
@testable import Tensors

struct PhiloxTests {
    /// Known-answer vectors of Random123 (kat_vectors, philox4x32_10).
    @Test func blockMatchesRandom123KnownAnswers() {
        let cases: [(Philox.Block, (UInt32, UInt32), Philox.Block)] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8)),
            ((.max, .max, .max, .max), (.max, .max), (0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD)),
            ((0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
             (0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1)),
        ]
        for (counter, key, expected) in cases {
            let got = Philox.block(counter: counter, key: key)
            #expect([got.0, got.1, got.2, got.3] == [expected.0, expected.1, expected.2, expected.3])
        }
    }

    /// The draws equal those of `tools/philox.py`, the reference that the Python goldens (euler_a noise, VAE
    /// sampling) are made with.
    @Test func drawsMatchThePythonReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/philox.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        let backend = CPUBackend()
        var checked = 0
        for (key, json) in file.metadata where key.hasPrefix("case.") {
            let name = String(key.dropFirst("case.".count))
            let spec = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let seed = try #require((spec["seed"] as? NSNumber)?.uint64Value)
            let stream = try #require((spec["stream"] as? NSNumber)?.uint32Value)
            let offset = try #require((spec["offset"] as? NSNumber)?.uint64Value)
            let count = try #require(spec["count"] as? Int)
            let normal = backend.randomNormal([count], dtype: .float32, seed: seed, stream: stream, offset: offset)
            let uniform = backend.randomUniform([count], dtype: .float32, seed: seed, stream: stream, offset: offset)
            // Both sides compute in double precision with the C library and round once: bit equality is expected.
            #expect(backend.download(normal) == (try file.floats("normal.\(name)")), "normal draws of case \(name)")
            #expect(backend.download(uniform) == (try file.floats("uniform.\(name)")), "uniform draws of case \(name)")
            checked += 1
        }
        #expect(checked >= 4)
    }

    @Test func generatorStartsEachDrawOnAFreshBlock() {
        let backend = CPUBackend()
        var generator = PhiloxGenerator(seed: 42, stream: 3)
        _ = generator.normal([5], on: backend)
        #expect(generator.offset == 8)
        let second = backend.download(generator.normal([3], on: backend))
        let direct = backend.download(backend.randomNormal([3], dtype: .float32, seed: 42, stream: 3, offset: 8))
        #expect(second == direct)
    }

    @Test func drawsDoNotDependOnHowTheWorkIsSplit() {
        // Large enough to be split across threads; element i must still be draw i.
        let backend = CPUBackend()
        let whole = backend.download(backend.randomNormal([100_003], dtype: .float32, seed: 5, stream: 0, offset: 0))
        let tail = backend.download(backend.randomNormal([3], dtype: .float32, seed: 5, stream: 0, offset: 100_000))
        #expect(Array(whole[100_000...]) == tail)
        let mean = whole.reduce(0, +) / Float(whole.count)
        let variance = whole.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(whole.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.02, "mean \(mean), variance \(variance)")
    }
}

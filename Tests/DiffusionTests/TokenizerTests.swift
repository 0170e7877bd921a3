import Foundation
import TestSupport
import Testing

@testable import Diffusion

/// Golden ids from tools/make_tokenizer_fixtures.py (transformers 4.x slow CLIPTokenizer with ftfy):
/// Tests/Fixtures/tokenizer/clip_prompts.json and clip_reduced.json.
private enum TokenizerFixture {
    struct Entry: Decodable {
        let prompt: String
        let ids: [Int32]
        let ids_pad0: [Int32]
    }
    struct Case: Decodable {
        let prompt: String
        let ids: [Int32]
    }
    struct Reduced: Decodable {
        let vocab: [String: Int]
        let merges: [String]
        let cases: [Case]
    }
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    static func prompts() throws -> [Entry] {
        try JSONDecoder().decode([Entry].self, from: Data(contentsOf: folder.appendingPathComponent("clip_prompts.json")))
    }

    static func reduced() throws -> Reduced {
        try JSONDecoder().decode(Reduced.self, from: Data(contentsOf: folder.appendingPathComponent("clip_reduced.json")))
    }
}

private func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-tok-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct TokenizerTests {
    @Test func bundledSpecialIDs() throws {
        let tok = try CLIPTokenizer.bundled()
        #expect(tok.vocabularySize == 49408)
        #expect(tok.bosTokenID == 49406)
        #expect(tok.eosTokenID == 49407)
        #expect(tok.padTokenID == 49407)
        #expect(try CLIPTokenizer.bundled(padToken: "!").padTokenID == 0)
        #expect(tok.encode("a photo of a cat") == [49406, 320, 1125, 539, 320, 2368, 49407] + Array(repeating: 49407, count: 70))
        #expect(tok.encode("x", length: 4) == [49406, 343, 49407, 49407])
        #expect(tok.tokenize("") == [])
    }

    @Test func goldenPrompts() throws {
        let prompts = try TokenizerFixture.prompts()
        #expect(prompts.count >= 220)
        let tok = try CLIPTokenizer.bundled()
        let tok0 = try CLIPTokenizer.bundled(padToken: "!")
        for entry in prompts {
            let ids = tok.encode(entry.prompt)
            #expect(ids == entry.ids, "prompt \(entry.prompt.debugDescription)\n  swift:    \(ids)\n  expected: \(entry.ids)")
            let ids0 = tok0.encode(entry.prompt)
            #expect(ids0 == entry.ids_pad0, "pad \"!\", prompt \(entry.prompt.debugDescription)\n  swift:    \(ids0)\n  expected: \(entry.ids_pad0)")
        }
    }

    @Test func concurrentUseMatchesSerial() async throws {
        let tok = try CLIPTokenizer.bundled()
        let prompts = ["a cyberpunk city at night", "ＬＯＵＤ　ＮＯＩＳＥＳ", "café 😀", "(masterpiece:1.2)"]
        let expected = prompts.map { tok.encode($0) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in 0..<32 {
                group.addTask { tok.encode(prompts[k % prompts.count]) == expected[k % prompts.count] }
            }
            for try await ok in group { #expect(ok) }
        }
    }

    @Test func reducedDirectory() throws {
        let reduced = try TokenizerFixture.reduced()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: reduced.vocab).write(to: dir.appendingPathComponent("vocab.json"))
        try ("#version: 0.2\n" + reduced.merges.joined(separator: "\n") + "\n")
            .write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        let tok = try CLIPTokenizer(directory: dir)
        #expect(tok.vocabularySize == reduced.vocab.count)
        #expect(tok.bosTokenID == Int32(reduced.vocab["<|startoftext|>"]!))
        #expect(tok.eosTokenID == Int32(reduced.vocab["<|endoftext|>"]!))
        #expect(tok.padTokenID == tok.eosTokenID)
        for c in reduced.cases {
            #expect(tok.encode(c.prompt) == c.ids, "reduced vocab, prompt \(c.prompt.debugDescription)")
        }

        // SDXL's tokenizer_2: pad "!" from special_tokens_map.json (or tokenizer_config.json).
        try #"{"pad_token": {"content": "!", "lstrip": false}}"#
            .write(to: dir.appendingPathComponent("special_tokens_map.json"), atomically: true, encoding: .utf8)
        #expect(try CLIPTokenizer(directory: dir).padTokenID == 0)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("special_tokens_map.json"))
        try #"{"pad_token": "!"}"#.write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        #expect(try CLIPTokenizer(directory: dir).padTokenID == 0)
    }

    @Test func directoryErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "#version: 0.2\na b\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)

        var error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir) }
        #expect(error?.description.contains("vocab.json") == true)

        try "{not json".write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
        error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir) }
        #expect(error?.description.contains("vocab.json") == true)

        try #"{"a": 0, "b": 1}"#.write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
        error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir) }
        #expect(error?.description.contains("vocab.json") == true && error?.description.contains("entry") == true)

        try #"{"a": 0, "b": 1, "<|startoftext|>": 2, "<|endoftext|>": 3}"#
            .write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
        try "#version: 0.2\na b c\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir) }
        #expect(error?.description.contains("merges.txt") == true)

        try FileManager.default.removeItem(at: dir.appendingPathComponent("merges.txt"))
        error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(directory: dir) }
        #expect(error?.description.contains("merges.txt") == true)
    }

    @Test func gunzipRejectsGarbage() {
        #expect(throws: TokenizerError.self) { try gunzip(Data([1, 2, 3, 4, 5]), file: "x.gz") }
    }
}

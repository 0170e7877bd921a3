import CZlib
import Foundation

/// A tokenizer file could not be read or is malformed; names the file and the problem.
public struct TokenizerError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
    public var description: String { "tokenizer file \(file): \(problem)" }
}

/// CLIP's byte-level BPE tokenizer, matching transformers' slow `CLIPTokenizer` with ftfy installed
/// (see tools/make_tokenizer_fixtures.py for the reference and its known deviations):
/// special tokens written literally in the text (<|startoftext|>, <|endoftext|>, the pad token) are split off
/// first and map to their ids; every other piece goes through `whitespace_clean(ftfy.fix_text(piece)).lower()`,
/// the CLIP regex, bytes_to_unicode and BPE (`</w>` on the last symbol); pieces missing from the vocabulary
/// map to the unk token (<|endoftext|>).
public struct CLIPTokenizer: Sendable {
    public static let maxLength = 77
    /// transformers' slow tokenizer reads at most this many merges (lines 1...48894 after the version line).
    static let maxMerges = 49152 - 256 - 2

    private let model: BPEModel
    public let bosTokenID: Int32
    public let eosTokenID: Int32
    public let padTokenID: Int32
    /// Added tokens split out of the text before anything else, longest first.
    private let specials: [(scalars: [Unicode.Scalar], id: Int32)]
    private let specialInitials: Set<Unicode.Scalar>

    public var vocabularySize: Int { model.vocab.count }

    /// The bundled openai/CLIP vocabulary (= openai/clip-vit-large-patch14's 49408 entries); pad = <|endoftext|>
    /// unless `padToken` names another entry (SDXL's tokenizer_2 uses "!").
    public static func bundled(padToken: String = "<|endoftext|>") throws -> CLIPTokenizer {
        let (model, file) = try bundledModel.get()
        return try CLIPTokenizer(model: model, padToken: padToken, file: file)
    }

    /// The bundled vocabulary is decoded once per process and shared (the model is immutable apart from its
    /// thread-safe cache).
    private static let bundledModel: Result<(BPEModel, String), TokenizerError> = Result {
        try loadBundledModel()
    }.mapError { $0 as? TokenizerError ?? TokenizerError(file: "clip/bpe_simple_vocab_16e6.txt.gz", problem: "\($0)") }

    private static func loadBundledModel() throws -> (BPEModel, String) {
        let file = "clip/bpe_simple_vocab_16e6.txt.gz"
        guard let dir = Bundle.module.url(forResource: "clip", withExtension: nil) else {
            throw TokenizerError(file: file, problem: "resource missing from the bundle")
        }
        let url = dir.appendingPathComponent("bpe_simple_vocab_16e6.txt.gz")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError(file: url.path, problem: "unreadable (\(error))")
        }
        let text = try gunzip(data, file: url.path)
        guard let string = String(data: text, encoding: .utf8) else {
            throw TokenizerError(file: url.path, problem: "not UTF-8")
        }
        let lines = string.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > maxMerges else {
            throw TokenizerError(file: url.path, problem: "only \(lines.count) lines, expected > \(maxMerges)")
        }
        let merges = lines[1...maxMerges].map(String.init)
        var tokens = byteSymbols
        tokens += byteSymbols.map { $0 + "</w>" }
        for m in merges { tokens.append(m.replacingOccurrences(of: " ", with: "")) }
        tokens += ["<|startoftext|>", "<|endoftext|>"]
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { vocab[t] = Int32(i) }
        return (BPEModel(vocab: vocab, merges: merges, unk: vocab["<|endoftext|>"]!), url.path)
    }

    /// A diffusers `tokenizer/` (or `tokenizer_2/`) folder: vocab.json, merges.txt and the pad token from
    /// special_tokens_map.json or tokenizer_config.json (default <|endoftext|>).
    public init(directory: URL) throws {
        let vocabURL = directory.appendingPathComponent("vocab.json")
        let mergesURL = directory.appendingPathComponent("merges.txt")
        let vocabData: Data
        do { vocabData = try Data(contentsOf: vocabURL) } catch {
            throw TokenizerError(file: vocabURL.path, problem: "missing or unreadable")
        }
        guard let object = try? JSONSerialization.jsonObject(with: vocabData), let dict = object as? [String: Any] else {
            throw TokenizerError(file: vocabURL.path, problem: "not a JSON object of token -> id")
        }
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(dict.count)
        for (k, v) in dict {
            guard let n = v as? NSNumber, let id = Int32(exactly: n.doubleValue), id >= 0 else {
                throw TokenizerError(file: vocabURL.path, problem: "id of \"\(k)\" is not a non-negative integer")
            }
            vocab[k] = id
        }
        let mergesText: String
        do { mergesText = try String(contentsOf: mergesURL, encoding: .utf8) } catch {
            throw TokenizerError(file: mergesURL.path, problem: "missing or unreadable")
        }
        var lines = mergesText.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var firstLine = 1
        if lines.first?.hasPrefix("#version") == true {
            lines.removeFirst()
            firstLine = 2
        }
        var merges: [String] = []
        for (n, line) in lines.enumerated() where !line.allSatisfy({ $0 == " " }) {
            guard merges.count < Self.maxMerges else { break }
            let pair = line.split(separator: " ")
            guard pair.count == 2 else {
                throw TokenizerError(file: mergesURL.path, problem: "line \(n + firstLine) is not a pair of symbols: \"\(line)\"")
            }
            merges.append(pair.joined(separator: " "))
        }
        var pad = "<|endoftext|>"
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let url = directory.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else { continue }
            guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw TokenizerError(file: url.path, problem: "not a JSON object")
            }
            if let s = json["pad_token"] as? String {
                pad = s
                break
            }
            if let d = json["pad_token"] as? [String: Any], let s = d["content"] as? String {
                pad = s
                break
            }
        }
        guard let unk = vocab["<|endoftext|>"] else {
            throw TokenizerError(file: vocabURL.path, problem: "no <|endoftext|> entry")
        }
        try self.init(model: BPEModel(vocab: vocab, merges: merges, unk: unk), padToken: pad, file: vocabURL.path)
    }

    init(model: BPEModel, padToken: String, file: String) throws {
        let vocab = model.vocab
        guard let bos = vocab["<|startoftext|>"] else { throw TokenizerError(file: file, problem: "no <|startoftext|> entry") }
        guard let eos = vocab["<|endoftext|>"] else { throw TokenizerError(file: file, problem: "no <|endoftext|> entry") }
        guard let pad = vocab[padToken] else { throw TokenizerError(file: file, problem: "no entry for pad token \"\(padToken)\"") }
        bosTokenID = bos
        eosTokenID = eos
        padTokenID = pad
        self.model = model
        var specials: [(scalars: [Unicode.Scalar], id: Int32)] = [
            (Array("<|startoftext|>".unicodeScalars), bos), (Array("<|endoftext|>".unicodeScalars), eos),
        ]
        if padToken != "<|startoftext|>" && padToken != "<|endoftext|>" && !padToken.isEmpty {
            specials.append((Array(padToken.unicodeScalars), pad))
        }
        self.specials = specials.sorted { $0.scalars.count > $1.scalars.count }
        specialInitials = Set(specials.map { $0.scalars[0] })
    }

    /// BPE ids of `text`, without bos/eos/padding.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        var chunk: [Unicode.Scalar] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        outer: while i < scalars.count {
            if specialInitials.contains(scalars[i]) {
                for s in specials where CLIPText.hasPrefix(scalars, i, s.scalars) {
                    tokenizeChunk(chunk, into: &ids)
                    chunk.removeAll()
                    ids.append(s.id)
                    i += s.scalars.count
                    continue outer
                }
            }
            chunk.append(scalars[i])
            i += 1
        }
        tokenizeChunk(chunk, into: &ids)
        return ids
    }

    private func tokenizeChunk(_ chunk: [Unicode.Scalar], into ids: inout [Int32]) {
        guard !chunk.isEmpty else { return }
        let fixed = CLIPText.fixText(String(String.UnicodeScalarView(chunk)))
        let text = CLIPText.lower(CLIPText.whitespaceClean(fixed))
        for token in CLIPText.preTokenize(text) {
            ids += model.encode(String(String.UnicodeScalarView(token)))
        }
    }

    /// `[bos] + first length-2 ids + [eos]`, padded with the pad id to `length`.
    public func encode(_ text: String, length: Int = CLIPTokenizer.maxLength) -> [Int32] {
        precondition(length >= 2, "length must leave room for bos and eos")
        var ids = [bosTokenID]
        ids += tokenize(text).prefix(length - 2)
        ids.append(eosTokenID)
        ids += Array(repeating: padTokenID, count: length - ids.count)
        return ids
    }

    /// GPT-2's bytes_to_unicode, in its dictionary order (printable bytes first, then the rest as U+0100...).
    static let byteSymbols: [String] = {
        byteOrder.map { String(byteEncoder[Int($0)]) }
    }()

    static let byteOrder: [UInt8] = {
        var bs = Array(UInt8(33)...126) + Array(UInt8(161)...172) + Array(UInt8(174)...255)
        for b in 0...255 where !bs.contains(UInt8(b)) { bs.append(UInt8(b)) }
        return bs
    }()

    static let byteEncoder: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0...255 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(256 + n)!
                n += 1
            }
        }
        return table
    }()
}

/// Vocabulary, merge ranks and the per-word cache (thread-safe).
final class BPEModel: @unchecked Sendable {
    let vocab: [String: Int32]
    let ranks: [String: Int]
    let unk: Int32
    private let lock = NSLock()
    private var cache: [String: [Int32]] = [:]

    init(vocab: [String: Int32], merges: [String], unk: Int32) {
        self.vocab = vocab
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (i, m) in merges.enumerated() where ranks[m] == nil { ranks[m] = i }
        self.ranks = ranks
        self.unk = unk
    }

    /// Ids of one pre-token (given as text; it is UTF-8 byte-encoded here).
    func encode(_ token: String) -> [Int32] {
        lock.lock()
        let hit = cache[token]
        lock.unlock()
        if let hit { return hit }
        let ids: [Int32]
        if token == "<|startoftext|>" || token == "<|endoftext|>" {
            ids = [vocab[token] ?? unk]
        } else {
            ids = bpe(token.utf8.map { String(CLIPTokenizer.byteEncoder[Int($0)]) }).map { vocab[$0] ?? unk }
        }
        lock.lock()
        if cache.count > 100_000 { cache.removeAll() }
        cache[token] = ids
        lock.unlock()
        return ids
    }

    private func bpe(_ symbols: [String]) -> [String] {
        var word = symbols
        guard !word.isEmpty else { return [] }
        word[word.count - 1] += "</w>"
        if word.count == 1 { return word }
        while word.count > 1 {
            var best: (rank: Int, first: String, second: String)?
            for k in 0..<(word.count - 1) {
                if let r = ranks[word[k] + " " + word[k + 1]], best == nil || r < best!.rank {
                    best = (r, word[k], word[k + 1])
                }
            }
            guard let (_, first, second) = best else { break }
            var merged: [String] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i < word.count - 1 && word[i] == first && word[i + 1] == second {
                    merged.append(first + second)
                    i += 2
                } else {
                    merged.append(word[i])
                    i += 1
                }
            }
            word = merged
        }
        return word
    }
}

/// Inflates a gzip stream with zlib.
func gunzip(_ data: Data, file: String) throws -> Data {
    var stream = z_stream()
    var status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else { throw TokenizerError(file: file, problem: "zlib inflateInit2 failed (\(status))") }
    defer { inflateEnd(&stream) }
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(input.count)
        repeat {
            let produced: Int = buffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return out.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END else {
                throw TokenizerError(file: file, problem: "corrupt gzip data (zlib status \(status))")
            }
            output.append(contentsOf: buffer[0..<produced])
            if status == Z_OK && produced == 0 && stream.avail_in == 0 {
                throw TokenizerError(file: file, problem: "truncated gzip data")
            }
        } while status != Z_STREAM_END
    }
    return output
}

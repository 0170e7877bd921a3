import Foundation

/// The text clean-up of transformers' slow `CLIPTokenizer` with ftfy installed:
/// `whitespace_clean(ftfy.fix_text(text)).lower()`, then the CLIP pre-tokenizer regex.
/// Everything works on Unicode scalars (Python `str` semantics), never on grapheme clusters.
enum CLIPText {
    // MARK: ftfy.fix_text (ftfy 6.3.1, default TextFixerConfig)
    //
    // Implemented: HTML entity unescape ("auto": disabled from the first line containing '<' on), C1 controls as
    // Windows-1252, Latin ligatures, character width, uncurl quotes, line breaks, terminal escapes, control
    // characters, NFC; repeated until the text no longer changes, per line, as ftfy does.
    // NOT implemented: mojibake repair (`fix_encoding`: re-decoding text that was decoded in the wrong codec);
    // the golden fixtures drop prompts where it would change anything.

    static func fixText(_ text: String) -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        var unescape = true
        var pos = 0
        while pos < scalars.count {
            var end = pos
            while end < scalars.count && scalars[end] != "\n" { end += 1 }
            if end < scalars.count { end += 1 }  // the segment keeps its "\n"
            let segment = Array(scalars[pos..<end])
            if unescape && segment.contains("<") { unescape = false }  // sticky, as in ftfy.fix_text
            out += fixSegment(segment, unescapeHTML: unescape)
            pos = end
        }
        return out
    }

    static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapeHTML { text = unescapeEntities(text) }
            text = text.map(fixC1)
            text = text.flatMap { ligatures[$0.value].map { Array($0.unicodeScalars) } ?? [$0] }
            text = text.flatMap { widthMap[$0.value].map { Array($0.unicodeScalars) } ?? [$0] }
            text = text.map(uncurl)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = text.filter { !isRemovedControl($0.value) }
            text = Array(String(String.UnicodeScalarView(text)).precomposedStringWithCanonicalMapping.unicodeScalars)
            if text == original { return text }
        }
    }

    /// Windows-1252 bytes 0x80...0x9F ("sloppy": undefined bytes stay as the C1 code point).
    static let cp1252: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func fixC1(_ s: Unicode.Scalar) -> Unicode.Scalar {
        (0x80...0x9F).contains(s.value) ? Unicode.Scalar(cp1252[Int(s.value - 0x80)])! : s
    }

    static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "\u{2BC}n", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz", 0x1C4: "D\u{17D}",
        0x1C5: "D\u{17E}", 0x1C6: "d\u{17E}", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj", 0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{17F}t", 0xFB06: "st",
    ]

    /// U+3000 -> space, and U+FF01...U+FFEF -> their NFKC form where that differs (ftfy's WIDTH_MAP).
    static let widthMap: [UInt32: String] = {
        var map: [UInt32: String] = [0x3000: " "]
        for v in UInt32(0xFF01)..<0xFFF0 {
            guard let s = Unicode.Scalar(v) else { continue }
            let c = String(s)
            let alt = c.precomposedStringWithCompatibilityMapping
            if alt.unicodeScalars.elementsEqual(c.unicodeScalars) == false { map[v] = alt }
        }
        return map
    }()

    static func uncurl(_ s: Unicode.Scalar) -> Unicode.Scalar {
        switch s.value {
        case 0x2BC, 0x2018...0x201B: return "'"
        case 0x201C...0x201F: return "\""
        default: return s
        }
    }

    static func fixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let v = text[i].value
            if v == 0x0D {
                out.append("\n")
                if i + 1 < text.count && text[i + 1] == "\n" { i += 1 }
            } else if v == 0x2028 || v == 0x2029 || v == 0x85 {
                out.append("\n")
            } else {
                out.append(text[i])
            }
            i += 1
        }
        return out
    }

    /// `\033\[((?:\d|;)*)([a-zA-Z])` -> "".
    static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < text.count {
            if text[i] == "\u{1B}" && i + 1 < text.count && text[i + 1] == "[" {
                var j = i + 2
                while j < text.count && (text[j] == ";" || text[j].properties.numericType == .decimal) { j += 1 }
                if j < text.count && text[j].isASCII && text[j].properties.isAlphabetic {
                    i = j + 1
                    continue
                }
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    static func isRemovedControl(_ v: UInt32) -> Bool {
        switch v {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    // MARK: HTML entities (ftfy.fixes.unescape_html)

    static let entities: [String: String] = {
        var map: [String: String] = [:]
        for line in HTMLEntityTable.text.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            guard parts.count == 2 else { continue }
            var value = String.UnicodeScalarView()
            for hex in parts[1].split(separator: " ") {
                if let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) { value.append(s) }
            }
            map[String(parts[0])] = String(value)
        }
        return map
    }()

    static func isASCIIAlnum(_ s: Unicode.Scalar) -> Bool {
        s.isASCII && (("0"..."9").contains(s) || ("a"..."z").contains(s) || ("A"..."Z").contains(s))
    }

    /// `&#?[0-9A-Za-z]{1,24};` -> html5 entity, or a numeric reference as `html.unescape` decodes it.
    static func unescapeEntities(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < text.count {
            if text[i] == "&" {
                var j = i + 1
                let numeric = j < text.count && text[j] == "#"
                if numeric { j += 1 }
                let start = j
                while j < text.count && isASCIIAlnum(text[j]) { j += 1 }
                let n = j - start
                if n >= 1 && n <= 24 && j < text.count && text[j] == ";" {
                    let body = String(String.UnicodeScalarView(text[start..<j]))
                    // A named entity is taken as is (even &semi;); a numeric one only if html.unescape consumed it
                    // whole (its result has no ';').
                    let replacement = numeric ? numericReference(body).flatMap { $0.unicodeScalars.contains(";") ? nil : $0 } : entities[body]
                    if let r = replacement {
                        out += r.unicodeScalars
                    } else {
                        out += text[i...j]
                    }
                    i = j + 1
                    continue
                }
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    /// html._replace_charref for "&#<body>;"; nil when html.unescape would not consume the whole reference.
    static func numericReference(_ body: String) -> String? {
        var num: UInt64 = 0
        let digits: Substring
        let radix: UInt64
        if body.first == "x" || body.first == "X" {
            digits = body.dropFirst()
            radix = 16
        } else {
            digits = Substring(body)
            radix = 10
        }
        guard !digits.isEmpty else { return nil }
        for c in digits {
            guard let d = c.hexDigitValue, UInt64(d) < radix else { return nil }
            num = min(num &* radix &+ UInt64(d), 0xFFFF_FFFF)
        }
        if num == 0 { return "\u{FFFD}" }
        if num == 0x0D { return "\r" }
        if (0x80...0x9F).contains(num) { return String(Unicode.Scalar(cp1252[Int(num - 0x80)])!) }
        if (0xD800...0xDFFF).contains(num) || num > 0x10FFFF { return "\u{FFFD}" }
        switch num {
        case 0x1...0x8, 0xB, 0xE...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return ""
        default:
            if num & 0xFFFE == 0xFFFE { return "" }
            return String(Unicode.Scalar(UInt32(num))!)
        }
    }

    // MARK: whitespace_clean and lower()

    /// Python's `str.isspace()`.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `re.sub(r"\s+", " ", text).strip()`.
    static func whitespaceClean(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var pendingSpace = false
        for s in text {
            if isSpace(s) {
                pendingSpace = true
            } else {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(s)
            }
        }
        return out
    }

    /// Python's `str.lower()`: full lowercase mappings plus the Final_Sigma rule. Python 3.11 (the reference's)
    /// has Unicode 14 tables, so scalars assigned later keep their case.
    static func lower(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for (i, s) in text.enumerated() {
            if s.value < 0x80 {
                out.append(("A"..."Z").contains(s) ? Unicode.Scalar(s.value + 32)! : s)
            } else if s.value == 0x3A3 {
                out.append(isFinalSigma(text, i) ? "\u{3C2}" : "\u{3C3}")
            } else if let age = s.properties.age, age.major < 15 {
                out += s.properties.lowercaseMapping.unicodeScalars
            } else {
                out.append(s)  // unassigned in Python 3.11's Unicode 14 tables: lower() leaves it alone
            }
        }
        return out
    }

    static func isFinalSigma(_ text: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && text[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && text[j].properties.isCased else { return false }
        j = i + 1
        while j < text.count && text[j].properties.isCaseIgnorable { j += 1 }
        return j == text.count || !text[j].properties.isCased
    }

    // MARK: pre-tokenizer

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static let specialWords: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map { Array($0.unicodeScalars) }
    static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    static func hasPrefix(_ text: [Unicode.Scalar], _ at: Int, _ prefix: [Unicode.Scalar], ignoreCase: Bool = false) -> Bool {
        guard at + prefix.count <= text.count else { return false }
        for k in 0..<prefix.count {
            var c = text[at + k]
            if ignoreCase && ("A"..."Z").contains(c) { c = Unicode.Scalar(c.value + 32)! }
            if c != prefix[k] { return false }
        }
        return true
    }

    /// `re.findall` of `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
    /// (module `regex`, IGNORECASE). Under IGNORECASE the negated class does not match U+0345 COMBINING GREEK
    /// YPOGEGRAMMENI (it case-folds to the letter ι) while `\p{L}` does not match it either, so it is skipped.
    static func preTokenize(_ text: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var tokens: [ArraySlice<Unicode.Scalar>] = []
        var i = 0
        scan: while i < text.count {
            for w in specialWords where hasPrefix(text, i, w) {
                tokens.append(text[i..<(i + w.count)])
                i += w.count
                continue scan
            }
            if text[i] == "'" {
                for c in contractions where hasPrefix(text, i + 1, c, ignoreCase: true) {
                    tokens.append(text[i..<(i + 1 + c.count)])
                    i += 1 + c.count
                    continue scan
                }
            }
            let s = text[i]
            if isLetter(s) {
                var j = i + 1
                while j < text.count && isLetter(text[j]) { j += 1 }
                tokens.append(text[i..<j])
                i = j
            } else if isNumber(s) {
                tokens.append(text[i..<(i + 1)])
                i += 1
            } else if !isSpace(s) && s.value != 0x345 {
                var j = i + 1
                while j < text.count && !isSpace(text[j]) && !isLetter(text[j]) && !isNumber(text[j]) && text[j].value != 0x345 {
                    j += 1
                }
                tokens.append(text[i..<j])
                i = j
            } else {
                i += 1
            }
        }
        return tokens
    }
}

#!/usr/bin/env python3
"""Golden fixtures for lorad's Swift `CLIPTokenizer` (Tests/DiffusionTests/TokenizerTests.swift).

Reference = transformers' *slow* `CLIPTokenizer` with ftfy installed (what diffusers pipelines use). transformers 5
removed that class (its CLIPTokenizer is tokenizers-backed and never runs ftfy), so run this with transformers 4.x:

    python3 -m venv /tmp/tok-venv
    /tmp/tok-venv/bin/pip install transformers==4.57.1 ftfy==6.3.1 regex
    /tmp/tok-venv/bin/python tools/make_tokenizer_fixtures.py

Deterministic (no randomness; prompts are fixed lists and fixed combinations of word lists). Writes:

  Tests/Fixtures/tokenizer/clip_prompts.json  [{"prompt", "ids", "ids_pad0"}], one object a line:
      tokenizer(prompt, padding="max_length", max_length=77, truncation=True).input_ids for the openai/CLIP
      vocabulary built from Sources/Diffusion/Resources/clip/bpe_simple_vocab_16e6.txt.gz exactly as
      openai/clip-vit-large-patch14's vocab.json (256 byte symbols in bytes_to_unicode order, the same + "</w>",
      merges of lines 1...48894 joined, <|startoftext|>, <|endoftext|>: 49408 entries); "ids" with pad
      <|endoftext|> (49407), "ids_pad0" with pad "!" (id 0) as SDXL's tokenizer_2 (then "!" is an added token,
      split out of the text like <|endoftext|>).
  Tests/Fixtures/tokenizer/clip_reduced.json  {"vocab", "merges", "cases": [{"prompt", "ids"}]}: a vocabulary with
      only the first 200 merges (714 entries) and ids the slow tokenizer gives with it; the test writes it out as a
      diffusers tokenizer folder.

With --entities it instead (re)writes Sources/Diffusion/Tokenizer/HTMLEntities.swift from ftfy's HTML_ENTITIES.

Prompts that ftfy's mojibake repair (fix_encoding; not ported to Swift) would change are dropped.
The Swift port lower-cases with Python 3.11's Unicode 14 rule (later scalars keep their case) but classifies letters,
numbers and NFC with Swift's own (newer) Unicode tables, so scalars assigned after Unicode 14 may still differ.
"""
import gzip
import json
import os
import sys
import tempfile

import ftfy
import transformers
from transformers import CLIPTokenizer
from transformers.models.clip.tokenization_clip import bytes_to_unicode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GZ = os.path.join(ROOT, "Sources/Diffusion/Resources/clip/bpe_simple_vocab_16e6.txt.gz")
OUT = os.path.join(ROOT, "Tests/Fixtures/tokenizer")
SPECIALS = ["<|startoftext|>", "<|endoftext|>", "!"]


def build_vocab(n_merges):
    lines = gzip.open(GZ).read().decode("utf-8").split("\n")
    merges = lines[1 : 1 + n_merges]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    assert len(set(vocab)) == len(vocab)
    return {t: i for i, t in enumerate(vocab)}, merges


def load(folder, vocab, merges, **kwargs):
    vf, mf = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vf, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(mf, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    tok = CLIPTokenizer(vf, mf, **kwargs)
    assert tok.fix_text is not None, "ftfy is not in use"
    return tok


def encode(tok, prompt):
    return tok(prompt, padding="max_length", max_length=77, truncation=True)["input_ids"]


def split_specials(text):
    """The chunks the slow tokenizer hands to ftfy (it splits on added tokens first)."""
    chunks, cur, i = [], "", 0
    while i < len(text):
        for s in SPECIALS:
            if text.startswith(s, i):
                chunks.append(cur)
                cur, i = "", i + len(s)
                break
        else:
            cur, i = cur + text[i], i + 1
    return chunks + [cur]


def prompts():
    subjects = ["a cat", "an astronaut", "a portrait of a woman", "a cyberpunk city", "a red fox", "an old lighthouse",
                "a bowl of ramen", "a medieval knight", "a dragon", "a tiny robot", "a mountain lake", "a steampunk airship"]
    styles = ["oil painting", "highly detailed", "trending on artstation", "8k, octane render", "by greg rutkowski",
              "studio ghibli style", "photorealistic, 35mm", "watercolor", "concept art", "digital art, sharp focus"]
    extras = ["(masterpiece:1.2)", "[blue|red] hair", "<lora:detail_tweaker:0.8>", "((best quality))", "{cinematic}",
              "f/1.8, 50mm", "4k uhd", "1girl, solo", "--ar 16:9", "score_9, score_8_up"]
    out = []
    for i, s in enumerate(subjects):
        for j in range(7):
            out.append(f"{s}, {styles[(i + 3 * j) % len(styles)]}, {extras[(i * 7 + j) % len(extras)]}")
    out += [
        "", " ", "   \t\n  ", "a", "A", "hello world", "Hello, World!", "HELLO WORLD!!!", "hello!!", "!", "!!!", "hi!",
        "(red:1.2)", "(red:1.2), (blue:0.8)", "[a|b]", "[cat|dog] in a [forest|city]", "<lora:x:0.8>",
        "<lora:add_detail:0.5> <hypernet:foo:1>", "embedding:easynegative", "(((ultra detailed)))", "a_b-c.d/e\\f",
        "3.14159", "1234567890", "2024-01-01 12:30:45", "$100.00 or €99,99", "100% 50° 3×4 ½ ²", "v1.5 vs v2.1",
        "i'm you're he's it'd we'll they've can't", "I'M YOU'RE HE'S IT'D WE'LL THEY'VE CAN'T", "It'S 'TiS",
        "don't 'stop' 'ello 'll", "rock'n'roll o'clock", "the cat's toy", "ma'am y'all",
        "café naïve résumé", "cafe\u0301 nai\u0308ve re\u0301sume\u0301", "Crème brûlée à la mode", "Straße ÄÖÜ äöü ß",
        "Ελληνικά γράμματα", "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ", "ΣΑΣ Σ aΣ", "Русский текст, Москва", "ПРИВЕТ МИР", "Україна їжак",
        "中文提示词，一只猫", "日本語のプロンプト", "ひらがな カタカナ ｶﾀｶﾅ", "한국어 프롬프트 고양이", "العربية مرحبا", "עברית שלום",
        "हिन्दी नमस्ते", "ไทย สวัสดี", "Tiếng Việt đẹp", "İstanbul ıi", "Ǆemal ǅ ǆ", "Ĳsselmeer ĳs",
        "emoji 😀😃😄", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇯🇵🇺🇸 flags", "❤️ heart", "🐱‍👤", "☕ coffee ✨",
        "ＦＵＬＬＷＩＤＴＨ　ＴＥＸＴ", "ｆｕｌｌ１２３！？", "ＬＯＵＤ　ＮＯＩＳＥＳ", "halfwidth ｶﾞｷﾞ ￦ ￡",
        "‘single’ “double” „low‟ ‚x‛", "it’s a “test”", "ʼapostrophe", "ﬁne ﬂower ﬀ ﬃ ﬄ ﬅ ﬆ",
        "Tom &amp; Jerry", "&lt;tag&gt; &quot;q&quot;", "&eacute;t&eacute; &copy; &nbsp;x", "&#233;&#x41;&#x1F600;",
        "&NTILDE; &AMP; &Eacute;", "&hellip; it&#x2019;s", "<b>&amp;</b>", "a < b &amp; c", "&notanentity; &amp",
        "&#0; &#128; &#x9d; &#1114112;", "line1\nline2 &amp;", "line1 <x>\nline2 &amp;", "&amp;\n<",
        "tab\tseparated\tvalues", "new\nline", "crlf\r\nline", "cr\ronly", "ideo\u3000space", "no\u00a0break",
        "line\u2028sep\u2029para", "next\u0085line", "zero\u200bwidth", "joiner\u200dx\u200cy", "rtl\u200fmark",
        "ctrl\x00\x01\x07chars", "esc\x1b[31mred\x1b[0m", "del\x7fete", "bom\ufeffhere", "fs\x1cgs\x1d", "c1\x80\x93\x9d",
        "a<|endoftext|>b", "<|startoftext|>hello<|endoftext|>", "x <|endoftext|> y", "<|ENDOFTEXT|> upper",
        "&amp; <|endoftext|> &amp;", "<|endoftext", "|endoftext|>", "<|startoftext|><|startoftext|>",
        "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "x" * 300, "ab" * 80, "!?" * 40, "123456789" * 12,
        "q\u0301 combining", "\u0301 leading mark", "ﷺ ligature", "Ⅻ roman", "①②③", "x²³", "٣٤٥ arabic digits",
        "\U0001d4d7\U0001d4ee\U0001d4f5 math", "K kelvin Å angstrom", "ﬀ\u0301", "a\u0345b \u0345 ι\u0345", "\u1c89 new capital", "a&semi;b &NegativeMediumSpace; &#59;",
    ]
    long_words = ["beautiful", "landscape", "mountains", "sunset", "river", "forest", "clouds", "dramatic", "lighting",
                  "volumetric", "fog", "reflections", "golden", "hour", "wide", "angle"]
    for k in range(24):
        n = 20 + 7 * k
        out.append(" ".join(long_words[(k + i) % len(long_words)] for i in range(n))[: 60 + 9 * k])
    out.append(", ".join(long_words * 6))
    return out


def write_entities():
    from ftfy.chardata import HTML_ENTITIES
    path = os.path.join(ROOT, "Sources/Diffusion/Tokenizer/HTMLEntities.swift")
    rows = [name[1:-1] + "\t" + " ".join("%X" % ord(c) for c in HTML_ENTITIES[name]) for name in sorted(HTML_ENTITIES)]
    with open(path, "w") as f:
        f.write("// Generated by tools/make_tokenizer_fixtures.py --entities from ftfy 6.3.1's HTML_ENTITIES\n")
        f.write("// (html.entities.html5 names ending in ';', plus ftfy's upper-cased variants).\n")
        f.write("// Each line: name (without & and ;), TAB, space-separated hex scalars.\n\n")
        f.write('enum HTMLEntityTable {\n    static let text = """\n' + "\n".join(rows) + '\n"""\n}\n')


def main():
    if "--entities" in sys.argv:
        write_entities()
        return
    assert transformers.__version__.startswith("4."), "needs transformers 4.x (the slow CLIPTokenizer)"
    os.makedirs(OUT, exist_ok=True)
    vocab, merges = build_vocab(49152 - 256 - 2)
    assert len(vocab) == 49408
    rvocab, rmerges = build_vocab(200)
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        tok = load(d1, vocab, merges)
        tok0 = load(d1, vocab, merges, pad_token="!")
        rtok = load(d2, rvocab, rmerges)
        assert tok.fix_text("ﬁ") == "fi"
        entries, dropped = [], []
        for p in prompts():
            chunks = split_specials(p)
            if [ftfy.fix_text(c, fix_encoding=False) for c in chunks] != [ftfy.fix_text(c) for c in chunks]:
                dropped.append(p)
                continue
            entries.append({"prompt": p, "ids": encode(tok, p), "ids_pad0": encode(tok0, p)})
        assert len(entries) >= 220, len(entries)
        cases = [{"prompt": p, "ids": encode(rtok, p)} for p in
                 ["a photo of a cat", "the quick brown fox jumps over the lazy dog", "Hello, World!!", "café 😀", ""]]
    with open(os.path.join(OUT, "clip_prompts.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e, ensure_ascii=True, separators=(",", ":")) for e in entries) + "\n]\n")
    with open(os.path.join(OUT, "clip_reduced.json"), "w") as f:
        json.dump({"vocab": rvocab, "merges": rmerges, "cases": cases}, f, ensure_ascii=True, sort_keys=True,
                  separators=(",", ":"))
        f.write("\n")
    print("prompts:", len(entries), "dropped (mojibake repair):", [ascii(x) for x in dropped])


if __name__ == "__main__":
    main()

"""openai/CLIP's byte-level BPE alphabet, shared by the scripts that write CLIP tokenizer files."""


def bytes_to_unicode():
    """openai/CLIP's byte -> printable character table (the first 256 vocabulary entries, in this order)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]

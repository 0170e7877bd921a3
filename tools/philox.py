"""lorad's counter-based random numbers in numpy: the reference for Sources/Tensors/Philox.swift.

Philox4x32-10 (Salmon et al., SC 2011; Random123's constants). Index g uses block g // 4 (counter
(block.lo, block.hi, stream, 0), key (seed.lo, seed.hi)) and lane g % 4. Uniforms are (x + 0.5) * 2**-32; normals are
Box-Muller on lane pairs (0, 1) and (2, 3): cosine for the even lane, sine for the odd one, in float64, rounded to
float32 once. A generator hands out successive draws; each draw of n values advances by ceil(n / 4) * 4 indices.
"""
import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)


def block(c0, c1, c2, c3, k0, k1):
    """Vectorised Philox4x32-10 over arrays of uint32 counters."""
    c = [np.asarray(x, dtype=np.uint32) for x in (c0, c1, c2, c3)]
    k0, k1 = np.uint32(k0), np.uint32(k1)
    with np.errstate(over="ignore"):
        for _ in range(10):
            p0 = M0 * c[0].astype(np.uint64)
            p1 = M1 * c[2].astype(np.uint64)
            c = [
                (p1 >> np.uint64(32)).astype(np.uint32) ^ c[1] ^ k0,
                (p1 & MASK).astype(np.uint32),
                (p0 >> np.uint64(32)).astype(np.uint32) ^ c[3] ^ k1,
                (p0 & MASK).astype(np.uint32),
            ]
            k0 = np.uint32((int(k0) + int(W0)) & 0xFFFFFFFF)
            k1 = np.uint32((int(k1) + int(W1)) & 0xFFFFFFFF)
    return c


def _words(seed, stream, offset, count):
    """The four words of every block covering indices [offset, offset + count), and the lane of each index."""
    index = np.uint64(offset) + np.arange(count, dtype=np.uint64)
    blocks = index // np.uint64(4)
    lanes = (index % np.uint64(4)).astype(np.int64)
    x = block(
        (blocks & MASK).astype(np.uint32), (blocks >> np.uint64(32)).astype(np.uint32),
        np.full(count, stream, dtype=np.uint32), np.zeros(count, dtype=np.uint32),
        seed & 0xFFFFFFFF, seed >> 32)
    return np.stack(x, axis=1), lanes


def _unit(words):
    return (words.astype(np.float64) + 0.5) * 2.0**-32


def uniform(seed, stream, offset, count):
    words, lanes = _words(seed, stream, offset, count)
    return _unit(words[np.arange(count), lanes]).astype(np.float32)


def normal(seed, stream, offset, count):
    words, lanes = _words(seed, stream, offset, count)
    pair = lanes // 2
    rows = np.arange(count)
    u1 = _unit(words[rows, 2 * pair])
    u2 = _unit(words[rows, 2 * pair + 1])
    radius = np.sqrt(-2.0 * np.log(u1))
    angle = 2.0 * np.pi * u2
    return np.where(lanes % 2 == 0, radius * np.cos(angle), radius * np.sin(angle)).astype(np.float32)


class Generator:
    def __init__(self, seed, stream):
        self.seed, self.stream, self.offset = seed, stream, 0

    def normal(self, shape):
        count = int(np.prod(shape))
        values = normal(self.seed, self.stream, self.offset, count).reshape(shape)
        self.offset += (count + 3) // 4 * 4
        return values


def _check_known_answers():
    """Random123's kat_vectors for philox4x32_10."""
    cases = [
        ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
        ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
         (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
    ]
    for counter, key, expected in cases:
        got = tuple(int(w) for w in block(*[np.uint32(c) for c in counter], *key))
        assert got == expected, (counter, key, [hex(w) for w in got])


_check_known_answers()

import Tensors

/// The dataset's random choices, each a pure function of (seed, epoch, item, occurrence, purpose) through
/// Philox4x32-10, so that a run resumed at any step sees the same captions, flips, crops and batch order as an
/// uninterrupted one (kohya draws them from Python's global `random`, which a resume does not restore).
public struct DatasetRandom: Sendable {
    /// What a stream of draws decides; one stream per purpose keeps one decision from shifting another.
    public enum Purpose: UInt32, Sendable {
        case captionDropout = 1, captionShuffle, tagDropout, flip, crop, bucketShuffle, batchOrder, validationSplit
    }

    private let key: (UInt32, UInt32)
    private let counterHigh: (UInt32, UInt32, UInt32)
    private var block: UInt32 = 0
    private var buffered: [UInt32] = []

    /// A stream for `purpose` at (`epoch`, `item`, `occurrence`); `item` is an image or bucket index and
    /// `occurrence` tells apart the repeats of one image within an epoch.
    public init(seed: UInt64, purpose: Purpose, epoch: Int, item: Int, occurrence: Int = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        counterHigh = (
            UInt32(truncatingIfNeeded: epoch), UInt32(truncatingIfNeeded: item),
            purpose.rawValue << 24 | UInt32(truncatingIfNeeded: occurrence) & 0x00FF_FFFF
        )
    }

    private mutating func nextWord() -> UInt32 {
        if buffered.isEmpty {
            let words = Philox.block(counter: (block, counterHigh.0, counterHigh.1, counterHigh.2), key: key)
            block &+= 1
            buffered = [words.3, words.2, words.1, words.0]
        }
        return buffered.removeLast()
    }

    /// A uniform double in [0, 1) with 53 random bits, like Python's `random.random()`.
    public mutating func uniform() -> Double {
        let bits = UInt64(nextWord()) << 32 | UInt64(nextWord())
        return Double(bits >> 11) * 0x1p-53
    }

    /// A uniform integer in `0...upper` (Python's `random.randint(0, upper)`); 0 when `upper` ≤ 0.
    public mutating func integer(through upper: Int) -> Int {
        guard upper > 0 else { return 0 }
        let bits = UInt64(nextWord()) << 32 | UInt64(nextWord())
        return Int(bits.multipliedFullWidth(by: UInt64(upper) + 1).high)
    }

    /// Shuffles `array` in place with Fisher–Yates (the algorithm of Python's `random.shuffle`).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, integer(through: i))
        }
    }
}

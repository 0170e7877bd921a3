import Foundation

/// lorad's counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3", SC 2011; the constants of Random123, cuRAND and JAX).
///
/// Every value is a pure function of (seed, stream, index), so any backend, any thread layout and any chunking
/// produce the same numbers. Index `g` uses block `g / 4` (counter `(block.lo, block.hi, stream, 0)`, key
/// `(seed.lo, seed.hi)`) and lane `g % 4`. Uniforms are `(x + 0.5)·2⁻³²`; normals use Box–Muller on the lane pairs
/// (0, 1) and (2, 3), cosine for the even lane and sine for the odd one. The transcendental functions run in double
/// precision before rounding to `Float`, so backends agree bit for bit in all but astronomically rare cases.
/// `tools/philox.py` is the reference implementation the tests compare with.
public enum Philox {
    public typealias Block = (UInt32, UInt32, UInt32, UInt32)

    /// The Philox4x32 bijection with 10 rounds.
    @inline(__always)
    public static func block(counter: Block, key: (UInt32, UInt32)) -> Block {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            (c0, c1, c2, c3) = (
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0, UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1, UInt32(truncatingIfNeeded: p0)
            )
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    @inline(__always)
    static func words(seed: UInt64, stream: UInt32, block: UInt64) -> Block {
        Philox.block(
            counter: (UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32), stream, 0),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    @inline(__always)
    static func unit(_ word: UInt32) -> Double { (Double(word) + 0.5) * 0x1p-32 }

    /// Fills `count` uniforms for indices `offset ..< offset + count`.
    public static func fillUniform(
        _ out: UnsafeMutableBufferPointer<Float>, seed: UInt64, stream: UInt32, offset: UInt64
    ) {
        fill(out, seed: seed, stream: stream, offset: offset) { x in
            (Float(unit(x.0)), Float(unit(x.1)), Float(unit(x.2)), Float(unit(x.3)))
        }
    }

    /// Fills `count` standard normals for indices `offset ..< offset + count`.
    public static func fillNormal(
        _ out: UnsafeMutableBufferPointer<Float>, seed: UInt64, stream: UInt32, offset: UInt64
    ) {
        fill(out, seed: seed, stream: stream, offset: offset) { x in
            let (a, b) = boxMuller(x.0, x.1)
            let (c, d) = boxMuller(x.2, x.3)
            return (a, b, c, d)
        }
    }

    @inline(__always)
    static func boxMuller(_ a: UInt32, _ b: UInt32) -> (Float, Float) {
        let radius = (-2 * Foundation.log(unit(a))).squareRoot()
        let angle = 2 * Double.pi * unit(b)
        return (Float(radius * Foundation.cos(angle)), Float(radius * Foundation.sin(angle)))
    }

    private static func fill(
        _ out: UnsafeMutableBufferPointer<Float>, seed: UInt64, stream: UInt32, offset: UInt64,
        transform: (Block) -> (Float, Float, Float, Float)
    ) {
        var index = 0
        while index < out.count {
            let global = offset &+ UInt64(index)
            let lane = Int(global % 4)
            let values = transform(words(seed: seed, stream: stream, block: global / 4))
            withUnsafeBytes(of: values) { raw in
                let lanes = raw.assumingMemoryBound(to: Float.self)
                for l in lane..<4 where index < out.count {
                    out[index] = lanes[l]
                    index += 1
                }
            }
        }
    }
}

/// A sequence of draws from one (seed, stream): each draw of `n` values takes the next `n` indices and then skips
/// to the next multiple of 4, so every draw starts on a fresh Philox block.
public struct PhiloxGenerator: Sendable {
    public let seed: UInt64
    public let stream: UInt32
    public private(set) var offset: UInt64

    public init(seed: UInt64, stream: UInt32, offset: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.offset = offset
    }

    public mutating func normal(_ shape: [Int], on backend: any Backend, dtype: DType? = nil) -> Tensor {
        let tensor = backend.randomNormal(
            shape, dtype: dtype ?? backend.computeDType, seed: seed, stream: stream, offset: offset)
        advance(by: tensor.elementCount)
        return tensor
    }

    public mutating func uniform(_ shape: [Int], on backend: any Backend, dtype: DType? = nil) -> Tensor {
        let tensor = backend.randomUniform(
            shape, dtype: dtype ?? backend.computeDType, seed: seed, stream: stream, offset: offset)
        advance(by: tensor.elementCount)
        return tensor
    }

    private mutating func advance(by count: Int) {
        offset &+= (UInt64(count) + 3) / 4 * 4
    }
}

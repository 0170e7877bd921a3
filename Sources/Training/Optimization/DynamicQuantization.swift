/// bitsandbytes' 8-bit dynamic quantisation, as its optimizers store their moments: 256 sorted code values in
/// [-1, 1] (`functional.create_dynamic_map`), tensors split into blocks of 256 elements, each block scaled by its
/// largest magnitude and every element stored as the index of the nearest code.
public enum DynamicQuantization {
    /// Elements per block (bnb's blockwise optimizers use 256).
    public static let blockSize = 256

    /// `create_dynamic_map(signed=True)`: the map of first moments.
    public static let signedMap = makeMap(signed: true)
    /// `create_dynamic_map(signed=False)`: the map of second moments.
    public static let unsignedMap = makeMap(signed: false)

    /// The dynamic map with bnb's defaults (7 exponent bits, 8 bits), computed in float32 as bnb does with torch:
    /// for exponent `i` the midpoints of `linspace(0.1, 1, 2^i + 1)` (signed) or `2^(i+1) + 1` (unsigned) points,
    /// times `10^(i-6)`, with their negatives when signed, plus 0 and 1, sorted.
    static func makeMap(signed: Bool) -> [Float] {
        var data: [Float] = []
        for i in 0..<7 {
            let count = signed ? (1 << i) + 1 : (1 << (i + 1)) + 1
            let boundaries = torchLinspace(0.1, 1, count)
            let scale = Float(pow10(i - 6))
            for j in 0..<(count - 1) {
                let mean = (boundaries[j] + boundaries[j + 1]) / 2
                data.append(scale * mean)
                if signed { data.append(-(scale * mean)) }
            }
        }
        data.append(0)
        data.append(1)
        return data.sorted()
    }

    /// Python's `10 ** e` for a small integer `e`, correctly rounded.
    private static func pow10(_ exponent: Int) -> Double {
        exponent >= 0 ? (0..<exponent).reduce(1.0) { r, _ in r * 10 } : 1 / pow10(-exponent)
    }

    /// `torch.linspace` on the CPU in float32: the first half counts up from `start`, the second down from `end`,
    /// each element one fused multiply-add as torch's compiled kernel does (a separate multiply and add differ in
    /// the last bit of some map values).
    static func torchLinspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        guard steps > 1 else { return steps == 1 ? [start] : [] }
        let step = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
        }
    }

    /// The code index for `x` (already divided by the block's absmax), as bnb's CUDA `quantize_2D`: a 7-level
    /// binary search over the sorted map, then the nearer of the two neighbours by their float midpoint.
    @inline(__always)
    static func nearestCode(_ x: Float, map: UnsafeBufferPointer<Float>, signed: Bool) -> UInt8 {
        var pivot = 127
        var upperPivot = 255
        var lowerPivot = 0
        var lower: Float = signed ? -1 : 0
        var upper: Float = 1
        var value = map[pivot]
        var offset = 64
        while offset > 0 {
            if x > value {
                lowerPivot = pivot
                lower = value
                pivot += offset
            } else {
                upperPivot = pivot
                upper = value
                pivot -= offset
            }
            value = map[pivot]
            offset >>= 1
        }
        if x > value {
            return UInt8(x > (upper + value) * 0.5 ? upperPivot : pivot)
        }
        return UInt8(x < (lower + value) * 0.5 ? lowerPivot : pivot)
    }

    /// Quantises `values` block by block: per block its absmax and one code per element. `signed` selects the map
    /// and, as bnb's optimizer kernel does for the first moment, moves a code whose sign differs from its value's
    /// one step toward that sign. An all-zero block stores absmax 0 and the code of 0.
    public static func quantize(_ values: [Float], signed: Bool) -> (codes: [UInt8], absmax: [Float]) {
        var codes = [UInt8](repeating: 0, count: values.count)
        var absmax = [Float](repeating: 0, count: (values.count + blockSize - 1) / blockSize)
        quantize(values, signed: signed, codes: &codes, absmax: &absmax)
        return (codes, absmax)
    }

    static func quantize(_ values: [Float], signed: Bool, codes: inout [UInt8], absmax: inout [Float]) {
        let map = signed ? signedMap : unsignedMap
        let zeroCode = UInt8(map.firstIndex(of: 0)!)
        map.withUnsafeBufferPointer { map in
            for block in 0..<absmax.count {
                let range = (block * blockSize)..<min(values.count, (block + 1) * blockSize)
                var largest: Float = 0
                for i in range { largest = max(largest, abs(values[i])) }
                absmax[block] = largest
                guard largest > 0 else {
                    for i in range { codes[i] = zeroCode }
                    continue
                }
                for i in range {
                    var code = nearestCode(values[i] / largest, map: map, signed: signed)
                    if signed && (map[Int(code)].sign == .minus) != (values[i].sign == .minus) {
                        code = values[i] > 0 ? code &+ 1 : code &- 1
                    }
                    codes[i] = code
                }
            }
        }
    }

    /// `map[code] · absmax[block]` for every element.
    public static func dequantize(codes: [UInt8], absmax: [Float], signed: Bool) -> [Float] {
        let map = signed ? signedMap : unsignedMap
        return codes.indices.map { map[Int(codes[$0])] * absmax[$0 / blockSize] }
    }
}

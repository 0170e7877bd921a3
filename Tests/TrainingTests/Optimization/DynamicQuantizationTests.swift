import Testing

@testable import Training

/// bitsandbytes' dynamic 8-bit maps and the block quantiser of its optimizer kernels.
@Suite struct DynamicQuantizationTests {
    @Test func mapsEqualCreateDynamicMapExactly() throws {
        let goldens = try OptimizerGoldens()
        #expect(DynamicQuantization.signedMap == (try goldens.floats("dynamic_map.signed")))
        #expect(DynamicQuantization.unsignedMap == (try goldens.floats("dynamic_map.unsigned")))
        #expect(DynamicQuantization.signedMap.count == 256 && DynamicQuantization.unsignedMap.count == 256)
    }

    @Test(arguments: [true, false])
    func quantiseMatchesTheKernelsSearch(signed: Bool) throws {
        let goldens = try OptimizerGoldens()
        let key = signed ? "signed" : "unsigned"
        let input = try goldens.floats("quantize.\(key).input")
        let (codes, absmax) = DynamicQuantization.quantize(input, signed: signed)
        #expect(codes.map(Float.init) == (try goldens.floats("quantize.\(key).codes")))
        #expect(absmax == (try goldens.floats("quantize.\(key).absmax")))
        // The round trip is within half a code step of the map at each element's scale.
        let restored = DynamicQuantization.dequantize(codes: codes, absmax: absmax, signed: signed)
        for i in input.indices {
            let scale = absmax[i / DynamicQuantization.blockSize]
            #expect(abs(restored[i] - input[i]) <= 0.06 * scale)
        }
    }

    @Test func allZeroBlockKeepsZeroAndAPartialBlockGetsItsOwnAbsmax() {
        let values = [Float](repeating: 0, count: 256) + [0.5, -2, 0.25]
        let (codes, absmax) = DynamicQuantization.quantize(values, signed: true)
        #expect(absmax == [0, 2])
        let restored = DynamicQuantization.dequantize(codes: codes, absmax: absmax, signed: true)
        #expect(restored[0..<256].allSatisfy { $0 == 0 })
        // The signed map has +1 but not -1: its most negative code is -0.99297.
        #expect(restored[257] == DynamicQuantization.signedMap[0] * 2 && DynamicQuantization.signedMap[255] == 1)
    }

    @Test func negativeFirstMomentsNeverRoundToPositiveZero() {
        // A tiny negative value's nearest code is +0; the kernel moves it one code down so its sign survives.
        let values: [Float] = [1, 1e-9, -1e-9]
        let (codes, absmax) = DynamicQuantization.quantize(values, signed: true)
        let restored = DynamicQuantization.dequantize(codes: codes, absmax: absmax, signed: true)
        #expect(restored[1] == 0 && restored[2] < 0)
        let (unsignedCodes, _) = DynamicQuantization.quantize(values.map(abs), signed: false)
        #expect(DynamicQuantization.unsignedMap[Int(unsignedCodes[1])] == 0)
    }
}

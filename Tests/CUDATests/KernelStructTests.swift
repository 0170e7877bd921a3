import Testing

@testable import CUDA

/// Struct arguments are laid out as the C compiler lays out the kernels' parameter structs.
@Suite struct KernelStructTests {
    /// broadcast.cu's `struct { int rank; long long shape[8]; long long b_strides[8]; }`: 4 bytes of padding after
    /// `rank`, 8 + 64 + 64 bytes in all.
    @Test func integersAndArraysAreAlignedToTheirSize() {
        var layout = KernelStruct()
        layout.append(Int32(3))
        layout.append(array: [Int64(2), 5], count: 8)
        layout.append(array: [Int64(7)], count: 8)
        let bytes = layout.bytes
        #expect(bytes.count == 136)
        #expect(bytes[0..<4] == [3, 0, 0, 0] && bytes[4..<8] == [0, 0, 0, 0])
        #expect(bytes[8] == 2 && bytes[16] == 5 && bytes[72] == 7)
    }

    /// linear_combination.cu's `struct { const void* tensors[8]; float coefficients[8]; int count; }`: padded at the
    /// end to a multiple of 8.
    @Test func theTailIsPaddedToTheLargestField() {
        var terms = KernelStruct()
        terms.append(array: [UInt64(1)], count: 8)
        terms.append(array: [Float(0.5)], count: 8)
        terms.append(Int32(1))
        #expect(terms.bytes.count == 104)
        #expect(terms.bytes[64..<68] == [0, 0, 0, 0x3F] && terms.bytes[96] == 1)
    }
}

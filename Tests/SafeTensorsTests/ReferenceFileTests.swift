import Foundation
import SafeTensors
import Testing

/// `Fixtures/reference.safetensors` was written by the Python `safetensors` package (0.8.0, numpy 2.4) with:
/// ```python
/// import numpy as np, safetensors as st
/// arrays = {
///     "unet.conv_in.weight": np.arange(-3, 3, dtype=np.float32).reshape(2, 3) / 4,
///     "scale": np.array(0.1),  # F64 scalar, shape []
///     "half": np.array([1, -2, 0.5, 65504], np.float16),
///     "ids": np.array([-1, 0, 1 << 40]),
///     "mask": np.array([True, False]),
///     "pixels": np.array([0, 128, 255], np.uint8),
///     "counts": np.array([[7], [-8]], np.int32),
///     "empty": np.zeros((0, 4), np.float32),
///     "bf": np.array([0x3F80, 0xC040], np.uint16),  # BF16 1.0, -3.0
///     "fp8": np.array([0x38, 0xB8], np.uint8),  # F8_E4M3 1.0, -1.0
/// }
/// names = {"bf": "bfloat16", "fp8": "float8_e4m3fn"}
/// specs = {k: st.TensorSpec(dtype=names.get(k, str(a.dtype)), shape=list(a.shape),
///                           data_ptr=a.ctypes.data, data_len=a.nbytes) for k, a in arrays.items()}
/// open("reference.safetensors", "wb").write(st.serialize(specs, metadata={"format": "pt"}))
/// ```
/// Only one metadata key: Python writes metadata in hash-map (random) order.
struct ReferenceFileTests {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference.safetensors")

    @Test func readsPythonValuesAndMetadata() throws {
        let file = try SafeTensorsFile(contentsOf: Self.url)
        #expect(file.metadata == ["format": "pt"])
        #expect(
            file.entries.map(\.name) == [
                "ids", "scale", "empty", "unet.conv_in.weight", "counts", "bf", "half", "fp8", "pixels", "mask",
            ])
        #expect(
            file.entries.map(\.dtype) == [
                .int64, .float64, .float32, .float32, .int32, .bfloat16, .float16, .float8E4M3, .uint8, .bool,
            ])
        #expect(file["unet.conv_in.weight"]?.shape == [2, 3])
        #expect(file["scale"]?.shape == [])
        #expect(file["empty"]?.shape == [0, 4])
        #expect(file["counts"]?.shape == [2, 1])

        #expect(try file.floats("unet.conv_in.weight") == [-0.75, -0.5, -0.25, 0, 0.25, 0.5])
        #expect(try file.floats("scale") == [Float(0.1 as Double)])
        #expect(try file.floats("half") == [1, -2, 0.5, 65504])
        #expect(try file.floats("ids") == [-1, 0, 0x1p40])
        #expect(try file.floats("mask") == [1, 0])
        #expect(try file.floats("pixels") == [0, 128, 255])
        #expect(try file.floats("counts") == [7, -8])
        #expect(try file.floats("empty") == [])
        #expect(try file.floats("bf") == [1, -3])
        #expect(try storedBytes(file, "fp8") == [0x38, 0xB8])
        #expect(try storedBytes(file, "scale") == littleEndianBytes([(0.1 as Double).bitPattern]))
    }

    @Test func writerReproducesPythonBytes() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        // Added in another order than Python's: the layout depends only on the content.
        try writer.add("mask", dtype: .bool, shape: [2], bytes: [1, 0])
        try writer.add("fp8", dtype: .float8E4M3, shape: [2], bytes: [0x38, 0xB8])
        try writer.add("bf", shape: [2], floats: [1, -3], as: .bfloat16)
        try writer.add("half", shape: [4], floats: [1, -2, 0.5, 65504], as: .float16)
        try writer.add("unet.conv_in.weight", shape: [2, 3], floats: [-0.75, -0.5, -0.25, 0, 0.25, 0.5])
        try writer.add("empty", shape: [0, 4], floats: [])
        try writer.add("scale", dtype: .float64, shape: [], bytes: littleEndianBytes([(0.1 as Double).bitPattern]))
        try writer.add("ids", dtype: .int64, shape: [3], bytes: littleEndianBytes([Int64(-1), 0, 1 << 40]))
        try writer.add("counts", dtype: .int32, shape: [2, 1], bytes: littleEndianBytes([Int32(7), -8]))
        try writer.add("pixels", dtype: .uint8, shape: [3], bytes: [0, 128, 255])
        #expect(try writer.serialized() == (try Data(contentsOf: Self.url)))
    }
}

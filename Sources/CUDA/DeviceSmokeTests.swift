import Tensors

/// The two checks `lorad doctor` runs on every GPU: a kernel compiled by NVRTC, and a cuBLAS GEMM, each compared
/// with the CPU's result.
public enum DeviceSmokeTests {
    /// What a smoke test found wrong.
    public struct Mismatch: Error, CustomStringConvertible {
        public var description: String
    }

    static let vectorAddSource = KernelSource(
        name: "vector_add.cu",
        text: """
            extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int count) {
                const int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < count) out[i] = a[i] + b[i];
            }
            """)

    /// Compiles a vector addition for `device` and checks its sums (exact in f32).
    public static func vectorAdd(on device: CUDADevice, compiler: NVRTCCompiler) throws {
        let count = 1000
        let a = (0..<count).map { Float($0) * 0.5 }
        let b = (0..<count).map { 2 - Float($0) }
        let image = try compiler.compile(vectorAddSource, architecture: device.computeCapability.number).image
        let function = try device.loadModule(image).function("vector_add")
        let stream = try device.makeStream()
        let (x, y, out) = (try upload(a, stream), try upload(b, stream), try stream.allocate(byteCount: count * 4))
        var arguments = KernelArguments()
        arguments.append(x)
        arguments.append(y)
        arguments.append(out)
        arguments.append(Int32(count))
        try stream.launch(function, grid: ((count + 255) / 256, 1, 1), block: (256, 1, 1), arguments: arguments)
        let result = try download(out, count: count, stream)
        if let i = (0..<count).first(where: { result[$0] != a[$0] + b[$0] }) {
            throw Mismatch(description: "element \(i) is \(result[i]), expected \(a[i] + b[i])")
        }
    }

    /// Multiplies random f32 matrices with cuBLAS and compares with the CPU backend's matmul.
    public static func gemm(on device: CUDADevice, cublas: CUBLAS) throws {
        let (m, n, k) = (33, 17, 29)
        let cpu = CPUBackend()
        let a = cpu.randomNormal([m, k], dtype: .float32, seed: 7, stream: 0, offset: 0)
        let b = cpu.randomNormal([k, n], dtype: .float32, seed: 7, stream: 1, offset: 0)
        let expected = cpu.download(cpu.matmul(a, b))
        let stream = try device.makeStream()
        let (x, y) = (try upload(cpu.download(a), stream), try upload(cpu.download(b), stream))
        let out = try stream.allocate(byteCount: m * n * 4)
        try cublas.multiply(x, y, into: out, m: m, n: n, k: k, on: stream)
        let result = try download(out, count: m * n, stream)
        for i in 0..<(m * n) where abs(result[i] - expected[i]) > 1e-4 * (1 + abs(expected[i])) {
            throw Mismatch(description: "element \(i) is \(result[i]), expected \(expected[i])")
        }
    }

    private static func upload(_ values: [Float], _ stream: CUDAStream) throws(CUDAError) -> DeviceBuffer {
        let buffer = try stream.allocate(byteCount: values.count * 4)
        try stream.upload(values, to: buffer)
        return buffer
    }

    private static func download(_ buffer: DeviceBuffer, count: Int, _ stream: CUDAStream) throws(CUDAError) -> [Float]
    {
        try stream.download(buffer, count: count, as: Float.self)
    }
}

import CUDA
import Foundation
import Tensors
import Testing

/// Every kernel resource compiles with NVRTC (from tools/setup.sh) for sm_80 and sm_90, and the compiler's cache and
/// error paths behave. No GPU is needed: this is what CI checks on every kernel.
@Suite struct KernelCompilationTests {
    /// The kernels each source must define, per storage type where the name ends in `_`; the self-test and the
    /// backend launch them by these names.
    static let expectedKernels: [String: [String]] = [
        "activations.cu": ["activation_", "activation_backward_", "geglu_", "geglu_backward_"],
        "adamw.cu": ["adamw_step"],
        "broadcast.cu": ["add_", "multiply_"],
        "cast.cu": DType.allCases.map { "cast_\($0.kernelSuffix)_to_" },
        "group_norm.cu": ["group_norm_", "group_norm_backward_", "group_norm_parameter_gradients_"],
        "layer_norm.cu": ["layer_norm_", "layer_norm_backward_", "layer_norm_parameter_gradients_"],
        "linear_combination.cu": ["linear_combination_"],
        "philox.cu": ["random_normal_", "random_uniform_", "dropout_mask_"],
        "pointwise.cu": ["clamp_", "exp_"],
        "rows.cu": ["gather_rows_", "scatter_add_rows_"],
        "softmax.cu": ["softmax_", "softmax_backward_"],
        "sum_to_shape.cu": ["sum_to_shape_"],
        "upsample_nearest.cu": ["upsample_nearest_", "upsample_nearest_backward_"],
    ]

    @Test func theBundledSourcesAreTheExpectedOnes() throws {
        let sources = try KernelSource.bundled()
        #expect(sources.map(\.name) == Self.expectedKernels.keys.sorted())
        #expect(sources.allSatisfy { $0.headers.keys.contains("common.cuh") })
    }

    @Test(arguments: [80, 90])
    func everyKernelCompiles(architecture: Int) throws {
        let compiler = try TestLibraries.compiler()
        for source in try KernelSource.bundled() {
            let compiled: CompiledKernel
            do {
                compiled = try compiler.compile(source, architecture: architecture)
            } catch {
                Issue.record("\(error)")
                continue
            }
            #expect(compiled.format == .cubin && !compiled.fromCache)
            #expect(compiled.image.starts(with: [0x7F, 0x45, 0x4C, 0x46]), "\(source.name): not an ELF cubin")
            for name in Self.expectedKernels[source.name] ?? [] {
                let names = name.hasSuffix("_") ? DType.allCases.map { name + $0.kernelSuffix } : [name]
                for kernel in names {
                    #expect(
                        compiled.image.firstRange(of: Array(kernel.utf8) + [0]) != nil,
                        "\(source.name) for sm_\(architecture) has no kernel \(kernel)")
                }
            }
        }
    }

    @Test func aSecondCompileComesFromTheDiskAndAChangedOptionDoesNot() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = folder.appendingPathComponent("kernels")
        let compiler = try TestLibraries.compiler(cacheDirectory: cache)
        let source = KernelSource(
            name: "scale.cu", text: "extern \"C\" __global__ void scale(float* x, float s) { x[threadIdx.x] *= s; }")
        let first = try compiler.compile(source, architecture: 80)
        #expect(!first.fromCache)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(files.count == 1 && files.allSatisfy { $0.hasSuffix(".cubin") }, "\(files)")

        let second = try compiler.compile(source, architecture: 80)
        #expect(second.fromCache && second.image == first.image)
        // A second compiler (another process) reads the same file.
        #expect(try TestLibraries.compiler(cacheDirectory: cache).compile(source, architecture: 80).fromCache)

        #expect(!(try compiler.compile(source, architecture: 80, options: ["-DLORAD_VARIANT=1"])).fromCache)
        #expect(!(try compiler.compile(source, architecture: 90)).fromCache)
        var edited = source
        edited.text += "\n"
        #expect(!(try compiler.compile(edited, architecture: 80)).fromCache)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).count == 4)
    }

    @Test func aBrokenKernelFailsWithNVRTCsLog() throws {
        let compiler = try TestLibraries.compiler()
        let source = KernelSource(
            name: "broken.cu", text: "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_value; }")
        let error = #expect(throws: CUDAError.self) { try compiler.compile(source, architecture: 80) }
        guard case .compilation(let kernel, let architecture, let log) = error else {
            Issue.record("expected a compilation error, got \(String(describing: error))")
            return
        }
        #expect(kernel == "broken.cu" && architecture == "sm_80")
        #expect(log.contains("undefined_value") && log.contains("broken.cu"), "\(log)")
    }

    /// An architecture NVRTC does not know gets PTX for the newest one below it, which the driver compiles.
    @Test func anUnknownArchitectureGetsPTX() throws {
        let compiler = try TestLibraries.compiler()
        let known = compiler.supportedArchitectures
        let unknown = try #require((known.first! + 1...known.last! + 1).first { !known.contains($0) })
        let older = try #require(known.last { $0 < unknown })
        let source = KernelSource(name: "noop.cu", text: "extern \"C\" __global__ void noop() {}")
        let compiled = try compiler.compile(source, architecture: unknown)
        #expect(compiled.format == .ptx && compiled.image.last == 0)
        let text = String(decoding: compiled.image.dropLast(), as: UTF8.self)
        #expect(text.contains(".target sm_\(older)") && text.contains(".entry noop"), "\(text.prefix(400))")

        let ancient = try #require((1..<known.first!).last)
        #expect(throws: CUDAError.self) { try compiler.compile(source, architecture: ancient) }
    }
}

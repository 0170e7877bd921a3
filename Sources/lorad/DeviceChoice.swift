import CUDA
import Foundation
import Tensors
import Training

/// `--device cpu|cuda|cuda:N|auto`: which backend runs the engine.
///
/// The CUDA backend is not written yet (issue 5), so a CUDA device is looked for and reported but never used:
/// `cuda`/`cuda:N` is a usage error that says what was found or what is missing, and `auto` runs on the CPU with a
/// one-line notice saying why.
enum DeviceChoice {
    static let names = "cpu, cuda, cuda:N or auto"

    /// The GPUs the system's CUDA driver sees, or why there are none to use.
    typealias GPUProbe = () throws(CUDAError) -> [GPUDescription]

    static func systemGPUs() throws(CUDAError) -> [GPUDescription] {
        try GPUDescription.all(driver: CUDADriver())
    }

    static func backend(
        named name: String, gpus: GPUProbe = DeviceChoice.systemGPUs,
        notice: (String) -> Void = { FileHandle.standardError.write(Data("notice: \($0)\n".utf8)) }
    ) throws -> any Backend {
        guard let selection = DeviceSelection(parsing: name) else {
            throw UsageError("unknown --device '\(name)' (choose \(names))")
        }
        switch selection {
        case .cpu:
            return CPUBackend()
        case .cuda(let ordinal):
            let found: [GPUDescription]
            do { found = try gpus() } catch {
                throw UsageError("--device \(name): no usable CUDA: \(error)")
            }
            guard ordinal < found.count else {
                throw UsageError("--device \(name): \(CUDAError.noSuchDevice(ordinal: ordinal, count: found.count))")
            }
            let gpu = found[ordinal]
            throw UsageError(
                "--device \(name): found \(gpu.name) (compute capability \(gpu.computeCapability)), but the CUDA "
                    + "backend is not implemented yet (issue 5); use --device cpu")
        case .auto:
            do {
                let found = try gpus()
                if let gpu = found.first {
                    notice(
                        "--device auto: found \(gpu.name), but the CUDA backend is not implemented yet (issue 5); "
                            + "using the CPU")
                } else {
                    notice("--device auto: the CUDA driver sees no GPU; using the CPU")
                }
            } catch {
                notice("--device auto: no usable CUDA (\(error)); using the CPU")
            }
            return CPUBackend()
        }
    }
}

import ArgumentParser
import CUDA
import Foundation
import Tensors
import Training

/// `lorad doctor`: what lorad finds of CUDA on this machine (driver, libraries, GPUs) and whether a kernel compiled
/// with NVRTC and a cuBLAS GEMM give the CPU's results on each GPU. Exit status 0 only when all of it works.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the CUDA driver, libraries and GPUs lorad would train on.",
        discussion: "Libraries are searched in \(LibrarySearch.environmentVariable) (a : list of folders) first.")

    /// Runs every kernel against the CPU backend (tools/gpu-check.sh), for checking a GPU machine.
    @Flag(help: .hidden)
    var selfTest = false

    func run() throws {
        let report = Self.diagnose(search: LibrarySearch(), selfTest: selfTest)
        print(report.lines.joined(separator: "\n"))
        if !report.healthy { throw ExitCode.failure }
    }

    /// What `lorad doctor` prints, and whether everything it found works.
    struct Report {
        var lines: [String] = []
        var healthy = true

        mutating func problem(_ line: String) {
            lines.append(line)
            healthy = false
        }
    }

    static func diagnose(search: LibrarySearch, selfTest: Bool) -> Report {
        var report = Report()
        let driver: CUDADriver?
        do {
            let loaded = try CUDADriver(search: search)
            report.lines.append("CUDA driver: \(CUDADriver.versionText(loaded.version)) (\(loaded.path))")
            driver = loaded
        } catch {
            if case .libraryNotFound = error {
                report.problem("CUDA driver: no CUDA driver found: \(error)")
            } else {
                report.problem("CUDA driver: \(error)")
            }
            driver = nil
        }

        let compiler: NVRTCCompiler?
        do {
            let loaded = try NVRTCCompiler(search: search, cacheDirectory: nil)
            let architectures = loaded.supportedArchitectures.map { "sm_\($0)" }.joined(separator: " ")
            report.lines.append(
                "NVRTC: \(loaded.version.major).\(loaded.version.minor) (\(loaded.path)), \(architectures)")
            compiler = loaded
        } catch {
            report.problem("NVRTC: \(error)")
            compiler = nil
        }
        let cublas: CUBLAS?
        do {
            let loaded = try CUBLAS(search: search)
            report.lines.append("cuBLAS: \(try loaded.version()) (\(loaded.path))")
            cublas = loaded
        } catch {
            report.problem("cuBLAS: \(error)")
            cublas = nil
        }
        do {
            let (version, path) = try LibraryVersion.cublasLt(search: search)
            report.lines.append("cuBLASLt: \(version) (\(path))")
        } catch {
            report.problem("cuBLASLt: \(error)")
        }
        if let cudnn = try? LibraryVersion.cudnn(search: search) {
            report.lines.append("cuDNN: \(cudnn.0) (\(cudnn.path))")
        } else {
            report.lines.append("cuDNN: not found (optional)")
        }

        guard let driver else { return report }
        do {
            let count = try driver.deviceCount()
            if count == 0 { report.problem("GPUs: none visible (CUDA_VISIBLE_DEVICES?)") }
            for ordinal in 0..<count {
                checkDevice(
                    try driver.device(ordinal), compiler: compiler, cublas: cublas, selfTest: selfTest,
                    report: &report)
            }
        } catch {
            report.problem("GPUs: \(error)")
        }
        return report
    }

    private static func checkDevice(
        _ device: CUDADevice, compiler: NVRTCCompiler?, cublas: CUBLAS?, selfTest: Bool, report: inout Report
    ) {
        let gib = { (bytes: Int) in String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        let free = (try? device.memoryInfo().free).map(gib) ?? "unknown"
        report.lines.append(
            "GPU \(device.ordinal): \(device.name), compute capability \(device.computeCapability), "
                + "\(gib(device.totalMemory)) total, \(free) free")
        if let compiler {
            do {
                try DeviceSmokeTests.vectorAdd(on: device, compiler: compiler)
                report.lines.append("  NVRTC kernel (vector add): ok")
            } catch {
                report.problem("  NVRTC kernel (vector add): \(error)")
            }
        }
        if let cublas {
            do {
                try DeviceSmokeTests.gemm(on: device, cublas: cublas)
                report.lines.append("  cuBLAS SGEMM: ok")
            } catch {
                report.problem("  cuBLAS SGEMM: \(error)")
            }
        }
        guard selfTest, let compiler else { return }
        do {
            let kernels = KernelLibrary(device: device, compiler: compiler, sources: try KernelSource.bundled())
            let checks = try KernelSelfTest(kernels: kernels).run(adamW: referenceAdamW)
            for check in checks where !check.passed {
                report.problem(
                    "  self-test \(check.kernel): "
                        + (check.failure ?? "differs from the CPU (\(check.worstRatio)× the tolerance)"))
            }
            let passed = checks.filter(\.passed).count
            report.lines.append("  self-test: \(passed) of \(checks.count) kernel checks match the CPU backend")
        } catch {
            report.problem("  self-test: \(error)")
        }
    }

    /// The CPU optimizer's steps, the reference for the `adamw_step` kernel.
    private static let referenceAdamW: KernelSelfTest.AdamWReference = { parameters, gradients, hyperparameters in
        let parameter = TrainableParameter(name: "p", shape: [parameters.count], value: parameters)
        let optimizer = try AdamW(
            beta1: hyperparameters.beta1, beta2: hyperparameters.beta2, epsilon: hyperparameters.epsilon,
            weightDecay: hyperparameters.weightDecay)
        let group = ParameterGroup(
            name: "self-test", parameters: [parameter], learningRate: hyperparameters.learningRate)
        for gradient in gradients {
            parameter.gradient = gradient
            try optimizer.step([group], learningRates: [hyperparameters.learningRate])
        }
        let state = optimizer.state()
        return (parameter.value, state.tensors["p.exp_avg"]!.values, state.tensors["p.exp_avg_sq"]!.values)
    }
}

import CUDA
import Foundation
import Tensors
import Testing

@testable import lorad

/// `--device`: parsing, the usage errors of `cuda`/`cuda:N`, and `auto`'s fall-back to the CPU.
@Suite struct DeviceChoiceTests {
    static let gpu = GPUDescription(
        index: 0, name: "Test GPU", computeCapability: "8.9", memoryTotal: 1 << 34, memoryFree: 1 << 33)
    static let noDriver = CUDAError.libraryNotFound(
        library: "libcuda", names: ["libcuda.so.1"], folders: [], reasons: [])

    final class Notices: @unchecked Sendable {
        var lines: [String] = []
    }

    private func choose(
        _ name: String, gpus: Result<[GPUDescription], CUDAError>, notices: Notices = Notices()
    ) throws -> any Backend {
        try DeviceChoice.backend(named: name, gpus: { () throws(CUDAError) in try gpus.get() }) {
            notices.lines.append($0)
        }
    }

    private func usageError(_ name: String, gpus: Result<[GPUDescription], CUDAError>) -> String? {
        do {
            _ = try choose(name, gpus: gpus)
            Issue.record("--device \(name) was accepted")
            return nil
        } catch let error as UsageError {
            return error.description
        } catch {
            Issue.record("--device \(name): \(error) is not a usage error")
            return nil
        }
    }

    @Test func cpuNeedsNoGPU() throws {
        let notices = Notices()
        #expect(try choose("cpu", gpus: .failure(Self.noDriver), notices: notices) is CPUBackend)
        #expect(notices.lines.isEmpty)
    }

    @Test(arguments: ["gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", ""])
    func unknownNamesAreUsageErrors(_ name: String) throws {
        let message = try #require(usageError(name, gpus: .success([Self.gpu])))
        #expect(message.contains("cpu, cuda, cuda:N or auto"), "\(message)")
    }

    @Test func cudaWithoutADriverSaysWhatIsMissing() throws {
        let message = try #require(usageError("cuda", gpus: .failure(Self.noDriver)))
        #expect(message.contains("no usable CUDA") && message.contains("libcuda.so.1"), "\(message)")
    }

    @Test func aGPUThatIsNotThereIsAUsageError() throws {
        let message = try #require(usageError("cuda:1", gpus: .success([Self.gpu])))
        #expect(message.contains("no CUDA device 1") && message.contains("only 1"), "\(message)")
    }

    /// A GPU that is there is not used yet: the backend does not exist, and lorad says so rather than pretend.
    @Test func aFoundGPUIsReportedAsNotYetSupported() throws {
        let message = try #require(usageError("cuda:0", gpus: .success([Self.gpu])))
        #expect(message.contains("Test GPU") && message.contains("not implemented yet (issue 5)"), "\(message)")
    }

    @Test func autoFallsBackToTheCPUWithOneNotice() throws {
        for gpus: Result<[GPUDescription], CUDAError> in [.failure(Self.noDriver), .success([]), .success([Self.gpu])] {
            let notices = Notices()
            #expect(try choose("auto", gpus: gpus, notices: notices) is CPUBackend)
            #expect(notices.lines.count == 1 && notices.lines[0].hasSuffix("using the CPU"), "\(notices.lines)")
        }
        let notices = Notices()
        _ = try choose("auto", gpus: .failure(Self.noDriver), notices: notices)
        #expect(notices.lines.first?.contains("libcuda.so.1") == true)
    }

    static let driverPresent: Bool = {
        guard let handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) else { return false }
        dlclose(handle)
        return true
    }()

    /// On this machine, with the system's probe: no driver, so `cuda` is refused and `auto` uses the CPU.
    @Test(.enabled(if: !driverPresent, "a CUDA driver is installed"))
    func withoutADriverTheSystemProbeFallsBack() throws {
        #expect(throws: UsageError.self) { try DeviceChoice.backend(named: "cuda", notice: { _ in }) }
        #expect(try DeviceChoice.backend(named: "auto", notice: { _ in }) is CPUBackend)
    }
}

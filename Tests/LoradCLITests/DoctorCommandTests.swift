import CUDA
import Foundation
import Testing

@testable import lorad

/// `lorad doctor` on machines without a working CUDA: it says what is missing and fails.
@Suite struct DoctorCommandTests {
    @Test(.enabled(if: !DeviceChoiceTests.driverPresent, "a CUDA driver is installed"))
    func withoutADriverItSaysSoAndFails() throws {
        let report = DoctorCommand.diagnose(search: LibrarySearch(folders: []), selfTest: false)
        #expect(!report.healthy)
        #expect(report.lines.first?.hasPrefix("CUDA driver: no CUDA driver found") == true, "\(report.lines)")
        #expect(!report.lines.contains { $0.hasPrefix("GPU ") })

        let outcome = try LoradProcess.run(["doctor"])
        #expect(outcome.status == 1, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.contains("no CUDA driver found"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("cuDNN: not found (optional)"))
    }

    /// A library that is not the driver (zlib under the driver's name) is named with the symbol it lacks.
    @Test func aLibraryThatIsNotTheDriverIsNamed() throws {
        let zlib = try #require(
            ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", "/lib/libz.so.1"]
                .first { FileManager.default.fileExists(atPath: $0) })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fake = folder.appendingPathComponent("libcuda.so.1")
        // libz.so.1 is a symbolic link; copy the library it names.
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: zlib).resolvingSymlinksInPath(), to: fake)
        let report = DoctorCommand.diagnose(search: LibrarySearch(folders: [folder.path]), selfTest: false)
        #expect(!report.healthy)
        #expect(
            report.lines.first == "CUDA driver: libcuda at \(fake.path) has no symbol cuInit (too old, or not libcuda)")
    }
}

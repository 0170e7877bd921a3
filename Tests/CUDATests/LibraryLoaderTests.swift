import Foundation
import Testing

@testable import CUDA

/// Finding and binding the CUDA libraries, with stand-ins built by `cc` (no GPU or CUDA needed).
@Suite struct LibraryLoaderTests {
    @Test func aMissingLibrarySaysWhichNamesAndFoldersWereTried() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let search = LibrarySearch(folders: [folder.path])
        #expect(
            throws: CUDAError.libraryNotFound(
                library: "libtest", names: ["liblorad-absent.so.1"], folders: [folder.path], reasons: [])
        ) {
            try search.open("libtest", fileNames: ["liblorad-absent.so.1"])
        }
        let description = CUDAError.libraryNotFound(
            library: "libcuda", names: ["libcuda.so.1"], folders: [folder.path], reasons: []
        ).description
        #expect(description.contains("libcuda.so.1") && description.contains(folder.path))
        #expect(description.contains(LibrarySearch.environmentVariable))
    }

    @Test func theEnvironmentListsFoldersInOrder() {
        let search = LibrarySearch(environment: [LibrarySearch.environmentVariable: "/opt/a::/opt/b:"])
        #expect(search.folders == ["/opt/a", "/opt/b"])
        #expect(LibrarySearch(environment: [:]).folders.isEmpty)
    }

    @Test func aLibraryInAFolderIsFoundBeforeTheDefaultSearch() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try TestLibraries.buildSharedLibrary(
            "libnvrtc.so.12", in: folder, source: "int unrelated(void) { return 1; }")
        let opened = try LibrarySearch(folders: ["/nonexistent", folder.path]).open(.nvrtc)
        #expect(opened.path == library.path)
        #expect(opened.has("unrelated") && !opened.has("nvrtcVersion"))
    }

    @Test func aLibraryWithoutANeededSymbolNamesIt() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try TestLibraries.buildSharedLibrary(
            "libcuda.so.1", in: folder, source: "int unrelated(void) { return 1; }")
        #expect(throws: CUDAError.missingSymbol(library: "libcuda", path: library.path, symbol: "cuInit")) {
            try CUDADriver(search: LibrarySearch(folders: [folder.path]))
        }
    }

    @Test func aDriverOlderThanCUDA12IsRefusedWithBothVersions() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try TestLibraries.stubDriver(in: folder, version: 11_080)
        let error = #expect(throws: CUDAError.self) { try CUDADriver(search: LibrarySearch(folders: [folder.path])) }
        #expect(
            error
                == .versionTooOld(library: "the CUDA driver (\(library.path))", found: "11.8", required: "12.0"))
    }

    @Test func aDriverWithoutDevicesListsNone() throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try TestLibraries.stubDriver(in: folder, version: 12_040)
        let driver = try CUDADriver(search: LibrarySearch(folders: [folder.path]))
        #expect(driver.version == 12_040 && CUDADriver.versionText(driver.version) == "12.4")
        #expect(try driver.deviceCount() == 0)
        #expect(try GPUDescription.all(driver: driver).isEmpty)
        #expect(throws: CUDAError.noSuchDevice(ordinal: 0, count: 0)) { try driver.device(0) }
    }

    /// A failed call gives the driver's name and description of the code; running out of memory is its own case.
    @Test(arguments: [(Int32(100), false), (2, true)])
    func failedCallsBecomeTypedErrors(code: Int32, outOfMemory: Bool) throws {
        let folder = try TestLibraries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try TestLibraries.stubDriver(in: folder, version: 12_040, initResult: code)
        let error = #expect(throws: CUDAError.self) { try CUDADriver(search: LibrarySearch(folders: [folder.path])) }
        let expected: CUDAError =
            outOfMemory
            ? .outOfMemory(call: "cuInit")
            : .driver(call: "cuInit", code: code, name: "CUDA_ERROR_STUB", message: "a stub error")
        #expect(error == expected)
    }
}

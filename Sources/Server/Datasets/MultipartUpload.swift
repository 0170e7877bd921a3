import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body read part by part as it arrives: text fields kept in memory (they are small), file
/// parts written straight to staging files, so that no large body is ever held in memory.
struct MultipartUpload {
    /// One file part: the file name the client gave and the staging file holding its bytes.
    struct FilePart {
        var fileName: String
        var file: URL
    }

    /// Text fields by name.
    var fields: [String: String]
    /// File parts in the order they came.
    var files: [FilePart]

    /// The longest text field accepted, in bytes.
    static let maxFieldBytes = 4096
    /// The text fields accepted; any other is refused as it starts, so that fields cannot pile up in memory.
    static let fieldNames: Set<String> = ["name", "repeats", "class_tokens"]
    /// The most headers one part may have.
    static let maxHeadersPerPart = 16
    /// The most bytes the parser may take in without handing anything on (it buffers header lines whole).
    static let maxBytesWithoutProgress: Int64 = 64 * 1024

    /// Reads `body` with the boundary of `contentType`, counting its bytes against `limits.maxUploadBytes` and its
    /// file parts against `limits.maxFiles`.
    static func receive(
        _ body: RequestBody, contentType: HeaderParameters, staging: StagingFolder, limits: DatasetLimits
    ) async throws -> MultipartUpload {
        guard let boundary = contentType.parameters["boundary"], (1...70).contains(boundary.utf8.count) else {
            throw DatasetImportError.invalidField(
                field: "Content-Type", reason: "multipart/form-data needs a boundary of 1 to 70 characters")
        }
        let collector = PartCollector(staging: staging, maxFiles: limits.maxFiles)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name: name, value: value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.completePart() }
        var received: Int64 = 0
        var progressMark: Int64 = 0
        for try await buffer in body {
            received += Int64(buffer.readableBytes)
            guard received <= limits.maxUploadBytes else {
                throw DatasetImportError.tooLarge(
                    "the request body is larger than the server's limit of \(limits.maxUploadBytes) bytes")
            }
            do {
                try parser.execute(buffer)
            } catch {
                throw DatasetImportError.invalidField(field: "body", reason: "malformed multipart/form-data")
            }
            if let error = collector.failure { throw error }
            if collector.madeProgress {
                progressMark = received
            } else if received - progressMark > MultipartUpload.maxBytesWithoutProgress {
                throw DatasetImportError.invalidField(
                    field: "body", reason: "malformed multipart/form-data: a part header or preamble is too long")
            }
        }
        if let error = collector.failure { throw error }
        guard !collector.isInPart, collector.completedParts > 0 else {
            throw DatasetImportError.invalidField(
                field: "body", reason: "malformed multipart/form-data: no complete part before the closing boundary")
        }
        return MultipartUpload(fields: collector.fields, files: collector.files)
    }
}

/// Receives the parser's callbacks for one body; the parser's callbacks cannot throw, so the first failure is kept
/// and every callback after it does nothing.
private final class PartCollector {
    private enum Part {
        case field(name: String, bytes: [UInt8])
        case file(MultipartUpload.FilePart, handle: FileHandle)
        /// A file input left empty by a browser (empty file name): nothing to keep.
        case ignored
    }

    let staging: StagingFolder
    let maxFiles: Int
    private(set) var fields: [String: String] = [:]
    private(set) var files: [MultipartUpload.FilePart] = []
    private(set) var failure: (any Error)?
    private(set) var completedParts = 0
    private var headers: [String: String] = [:]
    private var part: Part?
    private var progressed = false

    init(staging: StagingFolder, maxFiles: Int) {
        self.staging = staging
        self.maxFiles = maxFiles
    }

    /// Whether a part has begun and not yet ended.
    var isInPart: Bool { part != nil || !headers.isEmpty }

    /// Whether the parser handed on a header, body bytes or a part's end since the last call.
    var madeProgress: Bool {
        defer { progressed = false }
        return progressed
    }

    func header(name: String, value: String) {
        guard failure == nil else { return }
        progressed = true
        headers[name.lowercased()] = value
        if headers.count > MultipartUpload.maxHeadersPerPart {
            fail(
                DatasetImportError.invalidField(
                    field: "body", reason: "a part has more than \(MultipartUpload.maxHeadersPerPart) headers"))
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard failure == nil else { return }
        progressed = true
        do {
            if part == nil { part = try startPart() }
            switch part {
            case .field(let name, var bytes):
                bytes += buffer.readableBytesView
                guard bytes.count <= MultipartUpload.maxFieldBytes else {
                    throw DatasetImportError.invalidField(
                        field: name, reason: "longer than \(MultipartUpload.maxFieldBytes) bytes")
                }
                part = .field(name: name, bytes: bytes)
            case .file(_, let handle):
                try handle.write(contentsOf: buffer.readableBytesView)
            case .ignored, nil:
                break
            }
        } catch {
            fail(error)
        }
    }

    func completePart() {
        guard failure == nil else { return }
        progressed = true
        do {
            if part == nil { part = try startPart() }
            switch part {
            case .field(let name, let bytes):
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw DatasetImportError.invalidField(field: name, reason: "not UTF-8 text")
                }
                guard fields[name] == nil else {
                    throw DatasetImportError.invalidField(field: name, reason: "given more than once")
                }
                fields[name] = text
            case .file(let file, let handle):
                try handle.close()
                files.append(file)
            case .ignored, nil:
                break
            }
            part = nil
            headers = [:]
            completedParts += 1
        } catch {
            fail(error)
        }
    }

    private func startPart() throws -> Part {
        guard let disposition = headers["content-disposition"].map(HeaderParameters.init),
            disposition.value == "form-data", let name = disposition.parameters["name"]
        else {
            throw DatasetImportError.invalidField(
                field: "body", reason: "every part needs Content-Disposition: form-data with a name")
        }
        guard let fileName = disposition.parameters["filename"] else {
            guard MultipartUpload.fieldNames.contains(name) else {
                throw DatasetImportError.invalidField(
                    field: name, reason: "unknown field (text fields are name, repeats and class_tokens)")
            }
            return .field(name: name, bytes: [])
        }
        if fileName.isEmpty { return .ignored }
        guard files.count < maxFiles else {
            throw DatasetImportError.tooLarge("more than \(maxFiles) files: the server's limit is \(maxFiles)")
        }
        let (url, handle) = try staging.makeFile()
        return .file(MultipartUpload.FilePart(fileName: fileName, file: url), handle: handle)
    }

    private func fail(_ error: any Error) {
        if case .file(_, let handle) = part { try? handle.close() }
        part = nil
        failure = error
    }
}

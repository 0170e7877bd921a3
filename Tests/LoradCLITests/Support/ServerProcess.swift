import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `lorad serve` process as an operator starts it, on a free port, with its output in files.
final class ServerProcess {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    /// `http://127.0.0.1:PORT`, once it listens.
    private(set) var base = ""

    /// Starts `lorad serve --port 0 arguments…` and waits until it prints its address.
    init(_ arguments: [String], logs folder: URL, environment: [String: String] = [:]) async throws {
        let id = UUID().uuidString.prefix(8)
        stdoutURL = folder.appendingPathComponent("serve-\(id).out")
        stderrURL = folder.appendingPathComponent("serve-\(id).err")
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        process.executableURL = try LoradProcess.executable()
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "LORAD_TOKEN" }
            .merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline {
            let out = String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
            if let line = out.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                base = String(line.dropFirst("listening on ".count))
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw ServerProcessError(description: "lorad serve did not start; stderr: \(stderr)")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }

    /// Sends `signal` and waits for the process to end.
    func stop(with signal: Int32, timeout: Duration = .seconds(60)) async throws {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else {
            throw ServerProcessError(description: "still running \(timeout) after signal \(signal)")
        }
        process.waitUntilExit()
    }

    /// One request; the body as bytes and the status.
    func request(
        _ method: String, _ path: String, json: Any? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.httpMethod = method
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return (http.statusCode, data, fields)
    }

    /// A request answering a JSON object.
    func object(_ method: String, _ path: String, json: Any? = nil) async throws -> [String: Any] {
        let (status, body, _) = try await request(method, path, json: json)
        #expect((200..<300).contains(status), "\(method) \(path): \(status) \(String(decoding: body, as: UTF8.self))")
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
}

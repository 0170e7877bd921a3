import Foundation

/// Where the browser tests find `chromedriver` (Debian: the `chromium-driver` package).
enum ChromeDriver {
    /// The first `chromedriver` on `PATH`, or nil.
    static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map {
            URL(fileURLWithPath: String($0)).appendingPathComponent("chromedriver")
        }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}

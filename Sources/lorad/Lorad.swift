import ArgumentParser
import Foundation

@main
struct Lorad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorad",
        abstract: "LoRA training server for Stable Diffusion.",
        subcommands: [
            ServeCommand.self, TrainCommand.self, SampleCommand.self, DatasetCommand.self, DoctorCommand.self,
        ]
    )

    /// ArgumentParser's `main`, except that usage errors (its own, status 64, and `UsageError`s thrown by a
    /// command) print one line on stderr and exit with status 2, which scripts can tell from a failed run (1).
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            exitWithUsageError(error.description)
        } catch  where exitCode(for: error) == .validationFailure {
            exitWithUsageError(message(for: error))
        } catch {
            exit(withError: error)
        }
    }

    private static func exitWithUsageError(_ message: String) -> Never {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("lorad: \(line)\n".utf8))
        Foundation.exit(2)
    }
}

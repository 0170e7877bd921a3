import Foundation
import Training

/// The demo lorad ships, as a folder: `model/` (a small diffusers base model), `dataset/` (a kohya `N_trigger` folder
/// of captioned images of a concept the model does not know) and `demo_lora.toml` (the `lorad train` config that
/// trains it, naming both by relative paths). The server's demo job reads the same config file, so that the two
/// never differ; the server puts its own ids in place of the paths.
struct DemoFolder: Sendable {
    let url: URL
    /// The concept folder's name inside `dataset/` (`10_zkz`).
    let conceptFolder: String
    /// The concept folder's class tokens: the word the demo LoRA learns.
    let triggerWord: String

    /// The parts of the layout, relative to `url`.
    static let datasetFolderName = "dataset"
    static let modelFolderName = "model"
    static let configFileName = "demo_lora.toml"

    /// The `Demo` folder of the Server module's resources, when this build bundles one.
    static let bundledURL: URL? = {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Demo", isDirectory: true) else {
            return nil
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory)
        return exists && isDirectory.boolValue ? folder : nil
    }()

    var modelFolder: URL { url.appendingPathComponent(Self.modelFolderName, isDirectory: true) }
    var configFile: URL { url.appendingPathComponent(Self.configFileName) }

    /// Checks the layout: a model folder with `model_index.json`, a dataset folder with an `N_name` folder, the
    /// config file.
    init(url: URL) throws(DemoFolderError) {
        self.url = url.standardizedFileURL
        let fileManager = FileManager.default
        let modelIndex = url.appendingPathComponent(Self.modelFolderName).appendingPathComponent("model_index.json")
        guard fileManager.fileExists(atPath: modelIndex.path) else {
            throw .missing(path: modelIndex.path, expected: "the demo model's model_index.json")
        }
        let configFile = url.appendingPathComponent(Self.configFileName)
        guard fileManager.fileExists(atPath: configFile.path) else {
            throw .missing(path: configFile.path, expected: "the demo's training config")
        }
        let datasetFolder = url.appendingPathComponent(Self.datasetFolderName)
        let names = (try? fileManager.contentsOfDirectory(atPath: datasetFolder.path)) ?? []
        guard let concept = names.sorted().first(where: { ConceptFolder.parseName($0) != nil }),
            let (_, classTokens) = ConceptFolder.parseName(concept)
        else {
            throw .missing(path: datasetFolder.path, expected: "a kohya N_name folder of the demo's images")
        }
        conceptFolder = concept
        triggerWord = classTokens
    }

    /// The name the demo dataset is listed under.
    var datasetName: String { "demo: \(triggerWord)" }

    /// The demo job's training options: the config file's options as `lorad train --config` reads them, without
    /// those the server chooses itself (the model, dataset and output paths).
    func jobOptions() throws(DemoFolderError) -> [String: ConfigValue] {
        let options: [String: ConfigValue]
        do {
            options = try TrainingConfig.fileOptions(path: configFile.path)
        } catch {
            throw .badConfig(error)
        }
        return options.filter { JobSubmission.serverChosenOptions[$0.key] == nil }
    }
}

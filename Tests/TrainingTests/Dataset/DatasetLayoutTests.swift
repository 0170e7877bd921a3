import Foundation
import Testing
import Training

/// The kohya folder layout: concept folders, captions and the errors that explain the layout.
@Suite struct DatasetLayoutTests {
    @Test func conceptNamesParseAsKohya() {
        #expect(ConceptFolder.parseName("10_sks dog")! == (10, "sks dog"))
        #expect(ConceptFolder.parseName("3_other_thing")! == (3, "other_thing"))
        #expect(ConceptFolder.parseName("20")! == (20, ""))
        #expect(ConceptFolder.parseName("5_")! == (5, ""))
        #expect(ConceptFolder.parseName("0_none") == nil)
        #expect(ConceptFolder.parseName("-2_negative") == nil)
        #expect(ConceptFolder.parseName("images") == nil)
        #expect(ConceptFolder.parseName("x10_name") == nil)
    }

    @Test func txtCaptionsComeFirstThenCaptionFilesThenClassTokens() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/4_sks cat/a.png")
        try scratch.write("data/4_sks cat/a.txt", "  a cat, indoors \r\nignored\n")
        try scratch.write("data/4_sks cat/a.caption", "not used")
        try scratch.write("data/4_sks cat/b.JPG")
        try scratch.write("data/4_sks cat/b.caption", "from .caption")
        try scratch.write("data/4_sks cat/c.WebP")
        try scratch.write("data/4_sks cat/d.png")
        try scratch.write("data/4_sks cat/d.txt", " \n")
        try scratch.write("data/4_sks cat/e.png")
        try Data([0xC3, 0x28]).write(to: scratch.url.appendingPathComponent("data/4_sks cat/e.txt"))
        try scratch.write("data/4_sks cat/notes.md", "not an image")
        try scratch.write("data/4_sks cat/.hidden.png")
        try scratch.write("data/4_sks cat/nested/f.png")
        let layout = try DatasetLayout.scan(DatasetSettings(trainDataDir: scratch.path("data")))
        let concept = try #require(layout.concepts.first)
        #expect(concept.repeats == 4 && concept.classTokens == "sks cat")
        #expect(concept.images.map { ($0.path as NSString).lastPathComponent } == ["a.png", "b.JPG", "c.WebP", "d.png", "e.png"])
        #expect(concept.images.map(\.caption) == ["a cat, indoors", "from .caption", "sks cat", "sks cat", "sks cat"])
        #expect(concept.images[0].captionFile?.hasSuffix("a.txt") == true)
        #expect(concept.images[2].captionFile == nil && concept.images[2].captionProblem == nil)
        #expect(concept.images[3].captionProblem?.contains("empty") == true)
        #expect(concept.images[4].captionProblem?.contains("UTF-8") == true)
        #expect(concept.ignoredSubfolders.map { scratch.relative($0) } == ["data/4_sks cat/nested"])

        let onlyCaption = try DatasetLayout.scan(
            DatasetSettings(trainDataDir: scratch.path("data"), captionExtension: "caption"))
        #expect(onlyCaption.concepts[0].images.map(\.caption).prefix(2) == ["not used", "from .caption"])
    }

    @Test func aConceptFolderGivenAsTheRootIsExplained() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/10_mychar/img001.png")
        do {
            _ = try DatasetLayout.scan(DatasetSettings(trainDataDir: scratch.path("data/10_mychar")))
            Issue.record("a concept folder was accepted as train_data_dir")
        } catch {
            #expect(error == .noConceptFolders(field: "train_data_dir", path: scratch.path("data/10_mychar"), isConceptFolder: true))
            #expect(error.description.contains("is itself a concept folder"))
            #expect(error.description.contains("train_data_dir/10_mychar/img001.png"))
            #expect(error.description.contains("img001.txt"))
        }
    }

    @Test func aFolderWithoutConceptsIsExplainedAndOtherFoldersAreListed() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/images/a.png")
        #expect(throws: DatasetError.noConceptFolders(field: "train_data_dir", path: scratch.path("data"), isConceptFolder: false)) {
            try DatasetLayout.scan(DatasetSettings(trainDataDir: scratch.path("data")))
        }
        #expect(throws: DatasetError.notAFolder(field: "reg_data_dir", path: scratch.path("missing"))) {
            try scratch.write("data/2_x/a.png")
            _ = try DatasetLayout.scan(
                DatasetSettings(trainDataDir: scratch.path("data"), regDataDir: scratch.path("missing")))
        }
        let layout = try DatasetLayout.scan(DatasetSettings(trainDataDir: scratch.path("data")))
        #expect(layout.ignoredFolders.map { scratch.relative($0) } == ["data/images"])
    }

    @Test func unreadableImagesAreSkippedWithTheirReason() throws {
        let scratch = try ScratchFolder()
        try scratch.write("data/2_x/good.png")
        try scratch.write("data/2_x/bad.png")
        try scratch.write("data/2_x/tiny.png")
        let reader = FakeImageReader(
            sizes: ["good.png": (512, 512), "tiny.png": (30, 30)], failing: ["bad.png"])
        let settings = DatasetSettings(trainDataDir: scratch.path("data"), enableBucket: true, bucketNoUpscale: true)
        let dataset = try TrainingDataset(settings: settings, reader: reader)
        #expect(dataset.images.map { ($0.path as NSString).lastPathComponent } == ["good.png"])
        #expect(dataset.skipped.map { ($0.path as NSString).lastPathComponent } == ["bad.png", "tiny.png"])
        #expect(dataset.skipped[0].reason.contains("corrupt test image"))
        #expect(dataset.skipped[1].reason.contains("empty bucket"))
        #expect(dataset.trainImageCount == 2)
    }
}

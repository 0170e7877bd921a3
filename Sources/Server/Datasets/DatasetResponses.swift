import Foundation
import Hummingbird
import Store
import Training

/// `DatasetSummary` of the API: a dataset without its images.
struct DatasetSummaryResponse: Encodable, Equatable {
    var id: String
    var name: String
    var source: DatasetSource
    var createdAt: String
    var imageCount: Int

    enum CodingKeys: String, CodingKey {
        case id, name, source
        case createdAt = "created_at"
        case imageCount = "image_count"
    }

    init(_ dataset: Dataset, imageCount: Int) {
        id = dataset.id
        name = dataset.name
        source = dataset.source
        createdAt = Self.timestamp(unixMilliseconds: dataset.createdAt)
        self.imageCount = imageCount
    }

    /// ISO 8601 UTC with milliseconds, `2026-11-23T12:00:00.000Z`.
    static func timestamp(unixMilliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMilliseconds) / 1000))
    }
}

/// `DatasetImage` of the API.
struct DatasetImageResponse: Encodable, Equatable {
    var position: Int
    var path: String
    var caption: String?
    var width: Int
    var height: Int
    var sha256: String
    var size: Int64
    var url: String

    enum CodingKeys: String, CodingKey {
        case position, path, caption, width, height, sha256, size, url
    }

    init(_ image: DatasetImage, size: Int64) {
        position = image.position
        path = image.fileName
        caption = image.caption
        width = image.width
        height = image.height
        sha256 = image.blobSHA256
        self.size = size
        url = "/v1/datasets/\(image.datasetID)/images/\(image.position)"
    }

    /// Writes `caption` as `null` when there is none, rather than leaving the key out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(path, forKey: .path)
        try container.encode(caption, forKey: .caption)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(size, forKey: .size)
        try container.encode(url, forKey: .url)
    }
}

/// `Dataset` of the API: the summary, the images and the check.
struct DatasetResponse: Encodable {
    var summary: DatasetSummaryResponse
    var images: [DatasetImageResponse]
    var check: DatasetCheck

    enum CodingKeys: String, CodingKey { case images, check }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(images, forKey: .images)
        try container.encode(check, forKey: .check)
    }
}

/// `GET /v1/datasets`: every dataset, newest first, on one page.
struct DatasetListResponse: Encodable {
    var datasets: [DatasetSummaryResponse]

    enum CodingKeys: String, CodingKey {
        case datasets
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(datasets, forKey: .datasets)
        try container.encodeNil(forKey: .nextCursor)
    }
}

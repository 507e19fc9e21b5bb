import Foundation

/// The 150 rows of the iris data set (models/iris_dataset.json).
struct IrisDataset {
    var rows: [[Float]]
    var target: [Int]

    static func load() throws -> IrisDataset {
        let url = TestPaths.models.appendingPathComponent("iris_dataset.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let data = object?["data"] as? [[Double]], let target = object?["target"] as? [Int] else {
            throw ProcessFailure("\(url.path) holds no data/target arrays")
        }
        return IrisDataset(rows: data.map { $0.map(Float.init) }, target: target)
    }
}

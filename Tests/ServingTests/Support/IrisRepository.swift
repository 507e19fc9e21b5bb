import Foundation
import ModelServer
import Serving

/// A repository in a temporary directory holding the packaged iris model
/// (versions added on demand) with a config.json of the test's choosing.
final class IrisRepository {
    let root: URL
    private(set) var repository: ModelRepository!

    init(config: String, versions: [Int] = [1]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-iris-\(UUID().uuidString)")
        for v in versions { try addVersion(v) }
        try writeConfig(config)
        repository = ModelRepository(root: root.path, pollInterval: .seconds(3600), logger: DispatcherFixture.quietLogger)
        try repository.start()
    }

    deinit {
        repository?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func addVersion(_ version: Int) throws {
        let dir = root.appendingPathComponent("iris/\(version)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: DispatcherFixture.modelsDir.appendingPathComponent("iris/1/model.onnx"),
                                         to: dir.appendingPathComponent("model.onnx"))
    }

    func writeConfig(_ json: String) throws {
        try Data(json.utf8).write(to: root.appendingPathComponent("iris/config.json"))
    }
}

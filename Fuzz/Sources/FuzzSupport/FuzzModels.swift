import Foundation
import Logging
import ModelServer
import Serving

/// The shipped `models/` repository and a dispatcher over it, loaded once per
/// fuzz process: targets that dispatch what they decode send it here, the
/// same objects `swerve serve --models ./models` runs.
public enum FuzzModels {
    /// The repository root (this file is Fuzz/Sources/FuzzSupport/FuzzModels.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `models/`, or `SWERVE_FUZZ_MODELS` when set.
    public static var modelsDirectory: String {
        ProcessInfo.processInfo.environment["SWERVE_FUZZ_MODELS"]
            ?? repositoryRoot.appendingPathComponent("models").path
    }

    /// Logs only what would end the process: a fuzz run prints millions of inputs' worth otherwise.
    public static var quietLogger: Logger {
        var logger = Logger(label: "swerve-fuzz")
        logger.logLevel = .critical
        return logger
    }

    /// Loaded on first use; polling is off so every input sees the same models.
    public static let dispatcher: Dispatcher = {
        let repository = ModelRepository(root: modelsDirectory, pollInterval: .seconds(86_400), logger: quietLogger)
        do {
            try repository.start()
        } catch {
            fatalError("fuzz: cannot load \(modelsDirectory): \(error)")
        }
        return Dispatcher(repository: repository, serverVersion: "fuzz", logger: quietLogger)
    }()
}

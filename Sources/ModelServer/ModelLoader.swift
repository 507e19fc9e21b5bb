import ModelRuntime

/// One version to load on the reload pass.
struct LoadJob: Sendable {
    var name: String
    var version: Int64
    var path: String
    var file: VersionFile
    /// True when the version is AVAILABLE and its file changed: the new load
    /// is swapped in on success, and the old instance keeps serving on failure.
    var replacing: Bool
}

enum LoadOutcome: Sendable {
    case loaded(Model, milliseconds: Double)
    case failed(String, milliseconds: Double)
}

/// The loader (TF Serving's `Loader`): loads one version's `model.onnx` and
/// warms it up with one call, so a version serves only once its whole graph
/// has run. Unloading is the other half: a `Model` holds memory only, so a
/// version is unloaded when the manager drops its last reference after the
/// drain (no file handles or threads to close).
///
/// Thread-safety: stateless; the repository runs loads on its reload pass
/// with no lock held, so `acquire` never waits for a load.
struct ModelLoader: Sendable {
    /// Reads one `model.onnx`; tests inject fakes.
    let read: @Sendable (String) throws -> Model

    /// Loads and warms up `job`'s file; never throws, the outcome says why it failed.
    func load(_ job: LoadJob) -> LoadOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let model: Model
        do {
            model = try read(job.path)
        } catch {
            return .failed(Self.describe(error), milliseconds: elapsed())
        }
        do {
            try model.warmUp()
        } catch {
            return .failed("warm-up call failed: \(Self.describe(error))", milliseconds: elapsed())
        }
        return .loaded(model, milliseconds: elapsed())
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as ModelError: return error.message
        case let error as ModelServerError: return error.message
        default: return "\(error)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded ONNX model, ready to run.
///
/// Lifecycle: `load(path:)` or `init(bytes:)` parses the file, checks the graph,
/// prepares every kernel and throws if anything is wrong or unsupported; after
/// that the model is immutable. Thread-safety: `run` may be called from any
/// number of threads at once; each call owns its scratch values.
public final class Model: Sendable {
    /// Graph inputs the caller feeds (initializers excluded), in file order.
    public let inputs: [ValueInfo]
    /// Graph outputs, in file order.
    public let outputs: [ValueInfo]
    /// For each output, in the order of `outputs`, the name its labels
    /// travel under when a ZipMap value is flattened to tensors
    /// (`name` + `Value.labelsSuffix`), built once rather than per call.
    public let labelsNames: [String]
    /// Producer name and version, e.g. "skl2onnx 1.20.0".
    public let producer: String
    /// Imported opsets: domain ("" for the default domain, "ai.onnx.ml") -> version.
    public let opsets: [String: Int]

    let plan: ExecutionPlan
    /// Input name -> position in `plan.inputs`.
    let inputIndex: [String: Int]
    /// Output name -> slot.
    let outputSlot: [String: Int]

    /// Opset versions swerve implements, per normalised domain.
    static let supportedOpsets: [String: ClosedRange<Int>] = ["": 9...22, "ai.onnx.ml": 1...3]

    /// Reads and loads the model file at `path`.
    /// - Throws: `ModelError` `.invalidModel` when the file cannot be read or is
    ///   not a well-formed model, `.unsupported` listing every node, opset or
    ///   type swerve cannot run.
    public static func load(path: String) throws -> Model {
        let bytes = try readFile(path)
        return try Model(bytes: bytes, source: "model '\(path)'")
    }

    /// Loads a model from the bytes of an `.onnx` file.
    /// - Throws: `ModelError` as `load(path:)`.
    public convenience init(bytes: [UInt8]) throws {
        try self.init(bytes: bytes, source: "in-memory model")
    }

    init(bytes: [UInt8], source: String) throws {
        let definition = try ModelDefinition.decode(bytes: bytes, source: source)
        try Model.checkOpsets(definition.opsets, source: source)
        var issues = LoadIssues()
        let context = PlanContext(registry: .standard, opsets: definition.opsets, source: source)
        let plan = try ExecutionPlan(graph: definition.graph, context: context, issues: &issues)
        if !issues.unsupported.isEmpty {
            let count = issues.unsupported.count
            throw ModelError(.unsupported, "\(source) uses \(count) node\(count == 1 ? "" : "s") swerve cannot run: "
                             + issues.unsupported.joined(separator: "; "))
        }
        if let error = issues.invalid { throw error }

        self.plan = plan
        self.inputs = plan.inputs.map(\.info)
        self.outputs = plan.outputs.map(\.info)
        self.labelsNames = plan.outputs.map { $0.info.name + Value.labelsSuffix }
        self.opsets = definition.opsets
        self.producer = [definition.producerName, definition.producerVersion]
            .filter { !$0.isEmpty }.joined(separator: " ")
        var inputIndex: [String: Int] = [:]
        for (position, input) in plan.inputs.enumerated() { inputIndex[input.info.name] = position }
        self.inputIndex = inputIndex
        var outputSlot: [String: Int] = [:]
        for output in plan.outputs { outputSlot[output.info.name] = output.slot }
        self.outputSlot = outputSlot
    }

    private static func checkOpsets(_ opsets: [String: Int], source: String) throws {
        var problems: [String] = []
        for (domain, range) in supportedOpsets.sorted(by: { $0.key < $1.key }) {
            guard let version = opsets[domain] else { continue }
            if !range.contains(version) {
                problems.append("domain '\(displayDomain(domain))' opset \(version) (swerve supports \(range.lowerBound)...\(range.upperBound))")
            }
        }
        if !problems.isEmpty {
            throw ModelError(.unsupported, "\(source) imports " + problems.joined(separator: " and "))
        }
    }

    /// Reads a whole file with POSIX calls (ModelRuntime does no other I/O).
    private static func readFile(_ path: String) throws -> [UInt8] {
        func failure(_ what: String) -> ModelError {
            let reason = String(cString: strerror(errno))
            return ModelError(.invalidModel, "cannot \(what) model file '\(path)': \(reason)")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure("open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError(.invalidModel, "model file '\(path)' is not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if got == 0 { break }  // the file shrank while reading: parse what is there
            filled += got
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        return bytes
    }
}

import ModelRuntime

/// What a cached prediction is keyed by: the model, its version, the output
/// filter, and each input's name, dtype, shape and bytes, written into one
/// byte string. The hash only picks the slot; equality compares the whole
/// byte string, so a hash collision can never answer with someone else's
/// prediction.
///
/// `bytes` is the same in every process (the shared Redis level uses it as
/// its key); `serial` names the loaded instance, so in process a version
/// whose model.onnx was replaced under the same number never shares entries.
public struct PredictionKey: Hashable, Sendable {
    public let bytes: [UInt8]
    public let serial: UInt64
    private let hash: Int

    /// Builds the key. Inputs are ordered by name, so the same inputs sent in
    /// another order hit the same entry; `outputFilter` is kept in the given
    /// order (it decides the order of the answer's outputs).
    public init(model: String, version: Int64, serial: UInt64, outputFilter: [String],
                inputs: [(name: String, tensor: Tensor)]) {
        var out: [UInt8] = []
        out.reserveCapacity(64 + inputs.reduce(0) { $0 + $1.tensor.count * 4 })
        Self.append(model, to: &out)
        Self.append(UInt64(bitPattern: version), to: &out)
        Self.append(UInt64(outputFilter.count), to: &out)
        for name in outputFilter { Self.append(name, to: &out) }
        Self.append(UInt64(inputs.count), to: &out)
        for (name, tensor) in inputs.sorted(by: { $0.name < $1.name }) {
            Self.append(name, to: &out)
            Self.append(UInt64(UInt32(bitPattern: tensor.elementType.rawValue)), to: &out)
            Self.append(UInt64(tensor.shape.count), to: &out)
            for d in tensor.shape { Self.append(UInt64(bitPattern: Int64(d)), to: &out) }
            Self.appendValues(tensor.storage, to: &out)
        }
        bytes = out
        self.serial = serial
        var hasher = Hasher()
        hasher.combine(serial)
        out.withUnsafeBytes { hasher.combine(bytes: $0) }
        hash = hasher.finalize()
    }

    public static func == (a: PredictionKey, b: PredictionKey) -> Bool {
        a.hash == b.hash && a.serial == b.serial && a.bytes == b.bytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    // Fixed-width little-endian integers and length-prefixed strings: no two
    // different keys can write the same bytes.
    private static func append(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func append(_ s: String, to out: inout [UInt8]) {
        append(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }

    private static func appendValues(_ storage: TensorStorage, to out: inout [UInt8]) {
        switch storage {
        case .float(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .double(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .int64(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .int32(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .bool(let v): for b in v { out.append(b ? 1 : 0) }
        case .string(let v): for s in v { append(s, to: &out) }
        }
    }
}

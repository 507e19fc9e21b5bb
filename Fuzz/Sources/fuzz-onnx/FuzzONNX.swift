import FuzzSupport
import ModelRuntime
@testable import ModelServer

@main
enum FuzzONNX {
    static func main() { FuzzDriver.run(fuzzONNX) }
}

/// ONNX model loading as the repository loads a version, then one run on an
/// input of the declared types and shapes (the warm-up's feeds, filled with
/// values drawn from the model's own bytes so runs differ between models).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput(data, size).bytes)
    guard let model = try? Model(bytes: bytes),
          var feeds = try? Model.warmUpFeeds(for: model.inputs) else { return 0 }
    var values = ValueStream(bytes)
    for (name, tensor) in feeds {
        feeds[name] = Tensor(shape: tensor.shape, storage: values.fill(tensor.storage))
    }
    _ = try? model.run(feeds)
    return 0
}

/// Numbers for the feeds, cycling through the model's bytes: small values,
/// negative ones and zeros alike, never NaN (the repository's feeds come
/// from the request parsers, which refuse NaN).
struct ValueStream {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> Int {
        guard !bytes.isEmpty else { return 0 }
        defer { index = (index &+ 7) % bytes.count }
        return Int(Int8(bitPattern: bytes[index]))
    }

    mutating func fill(_ storage: TensorStorage) -> TensorStorage {
        switch storage {
        case .float(let v): return .float(v.map { _ in Float(next()) / 16 })
        case .double(let v): return .double(v.map { _ in Double(next()) / 16 })
        case .int64(let v): return .int64(v.map { _ in Int64(next()) })
        case .int32(let v): return .int32(v.map { _ in Int32(next()) })
        case .bool(let v): return .bool(v.map { _ in next() & 1 == 1 })
        case .string(let v): return .string(v.map { _ in String(next()) })
        }
    }
}

import ModelRuntime

/// A predict response's outputs grouped back into what the model declared:
/// plain tensors, and ZipMap outputs rebuilt from `X` + `X:labels`. Shared by
/// every front (REST, gRPC, the CLI), so all read outputs the same way.
public struct LogicalOutput: Sendable {
    public let name: String
    public let tensor: Tensor
    public let labels: Tensor?

    /// Groups `outputs` (each `X:labels` joins its `X`).
    public static func group(_ outputs: [NamedTensor]) -> [LogicalOutput] {
        var result: [LogicalOutput] = []
        result.reserveCapacity(outputs.count)
        for (i, o) in outputs.enumerated() where !o.name.hasSuffix(NamedTensor.labelsSuffix) {
            // The dispatcher puts `X:labels` right after `X`; look there first.
            var labels: Tensor?
            if i + 1 < outputs.count, outputs[i + 1].name.hasSuffix(NamedTensor.labelsSuffix),
               outputs[i + 1].name.utf8.count == o.name.utf8.count + NamedTensor.labelsSuffix.utf8.count,
               outputs[i + 1].name.hasPrefix(o.name) {
                labels = outputs[i + 1].tensor
            } else {
                labels = outputs.last(where: { $0.name == o.name + NamedTensor.labelsSuffix })?.tensor
            }
            result.append(LogicalOutput(name: o.name, tensor: o.tensor, labels: labels))
        }
        return result
    }

    /// Rows (examples) in the output: its first dimension.
    public var rows: Int { tensor.rank == 0 ? 1 : tensor.shape[0] }

    /// The class names of a ZipMap output with [rows, classes] probabilities
    /// and one label per class; nil for any other output.
    public func classNames(classLabels: [String]) -> [String]? {
        guard let labels, tensor.rank == 2, labels.count == tensor.shape[1] else { return nil }
        return (0..<labels.count).map { Self.className(labels, $0, classLabels: classLabels) }
    }

    /// The name of class `index`: its config.json label when the model's
    /// labels are class ids, else the label itself.
    public static func className(_ labels: Tensor, _ index: Int, classLabels: [String]) -> String {
        switch labels.storage {
        case .int64(let ids):
            return ids[index] >= 0 && Int(ids[index]) < classLabels.count ? classLabels[Int(ids[index])] : String(ids[index])
        case .string(let names): return names[index]
        case .int32(let ids): return String(ids[index])
        case .float(let v): return v[index].description
        case .double(let v): return v[index].description
        case .bool(let v): return v[index] ? "true" : "false"
        }
    }
}

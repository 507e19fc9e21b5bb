/// `ZipMap` (ai.onnx.ml 1): pairs each row of class scores with the class
/// labels. The result stays columnar (`Value.zipMap`): the scores tensor is
/// shared, reshaped to [rows, labels], never copied into per-row maps.
struct MLZipMap: Kernel {
    let label: String
    let labels: Tensor

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "ZipMap", sinceVersion: 1) { try MLZipMap($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        let strings = try a.strings("classlabels_strings")
        let ints = try a.ints("classlabels_int64s")
        guard strings.isEmpty != ints.isEmpty else {
            throw a.invalid("classlabels_strings", "or 'classlabels_int64s' must be given, but not both")
        }
        labels = strings.isEmpty
            ? Tensor(shape: [ints.count], int64s: ints)
            : Tensor(shape: [strings.count], strings: strings)
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        var x = try MLInput.tensor(inputs, 0, label)
        guard x.elementType == .float else {
            throw ModelError(.invalidInput, "\(label): input must be float, found \(x.elementType)")
        }
        guard x.rank == 1 || x.rank == 2 else {
            throw ModelError(.invalidInput, "\(label): input must be 1-D or 2-D, found shape \(x.shape)")
        }
        let classes = x.shape[x.rank - 1]
        guard classes == labels.count else {
            throw ModelError(.invalidInput, "\(label): input has \(classes) columns but the node has \(labels.count) class labels")
        }
        if x.rank == 1 { x.shape = [1, classes] }
        return [.zipMap(labels: labels, probabilities: x)]
    }
}

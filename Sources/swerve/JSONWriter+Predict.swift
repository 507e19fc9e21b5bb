import REST
import TextFormats
import Wire

extension JSONWriter {
    /// A Predict response as the CLI prints it: `{"model", "version",
    /// "outputs": {...}}`, a ZipMap output `X` (sent as `X` plus `X:labels`)
    /// as one `{label: p}` object per row, as onnxruntime and scikit-learn
    /// show it. The tensors are written by REST's `LogicalOutput`, so the
    /// CLI and the REST API print outputs the same way.
    static func predictResponse(_ response: PredictResponse) -> String {
        var json = JSONWriter()
        json.predictResponse(response)
        return json.text
    }

    mutating func predictResponse(_ response: PredictResponse) {
        raw("{\"model\": ")
        string(response.modelSpec.name)
        if let version = response.modelSpec.version {
            raw(", \"version\": ")
            int(version)
        }
        raw(", \"outputs\": {")
        for (i, output) in LogicalOutput.group(response.outputs).enumerated() {
            if i > 0 { raw(", ") }
            key(output.name)
            output.writeAll(to: &self)
        }
        raw("}}")
    }
}

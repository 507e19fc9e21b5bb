/// Which models TF Serving's Classify and Regress can run, said once for the
/// REST and gRPC fronts.
extension GetModelMetadataResponse {
    /// Why Classify cannot run this model (it needs class probabilities, a
    /// ZipMap output); nil when it can.
    public var classifyRefusal: String? {
        outputs.contains(where: { $0.kind == .zipMap }) ? nil
            : "model '\(modelSpec.name)' has no class-probability output to classify with; use Regress or Predict"
    }

    /// Why Regress cannot run this model (it needs a numeric output and no
    /// class probabilities); nil when it can.
    public var regressRefusal: String? {
        outputs.contains(where: { $0.kind != .zipMap }) && !outputs.contains(where: { $0.kind == .zipMap }) ? nil
            : "model '\(modelSpec.name)' is a classifier (it has class probabilities); use Classify or Predict"
    }
}

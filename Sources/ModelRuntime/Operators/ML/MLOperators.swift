/// Kernels of the `ai.onnx.ml` domain. Each operator family lives in its own
/// file and adds its registrations here.
enum MLOperators {
    static let registrations: [KernelRegistration] =
        MLArrayFeatureExtractor.registrations
        + MLBinarizer.registrations
        + MLImputer.registrations
        + MLLabelEncoder.registrations
        + MLLinearClassifier.registrations
        + MLLinearRegressor.registrations
        + MLNormalizer.registrations
        + MLOneHotEncoder.registrations
        + MLScaler.registrations
        + MLSVMClassifier.registrations
        + MLSVMRegressor.registrations
        + MLTreeEnsembleClassifier.registrations
        + MLTreeEnsembleRegressor.registrations
        + MLZipMap.registrations
}

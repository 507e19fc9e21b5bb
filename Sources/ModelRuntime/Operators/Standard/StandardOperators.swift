/// Kernels of the default ONNX domain (""). Each operator family lives in its
/// own file (`Operators/Standard/*.swift`) and contributes its registrations here.
enum StandardOperators {
    static let registrations: [KernelRegistration] =
        unaryRegistrations
        + arithmeticRegistrations
        + comparisonRegistrations
        + castRegistrations
        + shapeRegistrations
        + constantRegistrations
        + concatRegistrations
        + transposeRegistrations
        + gatherRegistrations
        + sliceRegistrations
        + expandRegistrations
        + matMulRegistrations
        + softmaxRegistrations
        + reduceRegistrations
        + argExtremumRegistrations
        + selectionRegistrations
}

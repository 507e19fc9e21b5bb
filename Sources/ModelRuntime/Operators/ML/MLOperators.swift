/// Kernels of the `ai.onnx.ml` domain. Each operator family lives in its own
/// file and adds its registrations here.
enum MLOperators {
    static let registrations: [KernelRegistration] = []
}

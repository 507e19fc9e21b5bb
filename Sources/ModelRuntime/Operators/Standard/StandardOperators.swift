/// Kernels of the default ONNX domain (""). Each operator family lives in its
/// own file and adds its registrations here.
enum StandardOperators {
    static let registrations: [KernelRegistration] = []
}

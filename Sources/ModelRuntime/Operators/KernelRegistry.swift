/// Finds the kernel registration for a node, onnxruntime-style: among the
/// registrations for (domain, op type), the one with the greatest
/// `sinceVersion` not above the model's opset for that domain.
///
/// Immutable after construction; safe to share between threads.
struct KernelRegistry: Sendable {
    private struct Key: Hashable {
        var domain: String
        var opType: String
    }

    /// Per (domain, op type), registrations sorted by descending `sinceVersion`.
    private let table: [Key: [KernelRegistration]]

    /// Every kernel swerve has: the default domain and ai.onnx.ml.
    static let standard = KernelRegistry(StandardOperators.registrations + MLOperators.registrations)

    init(_ registrations: [KernelRegistration]) {
        var table: [Key: [KernelRegistration]] = [:]
        for registration in registrations {
            table[Key(domain: normalizedDomain(registration.domain), opType: registration.opType), default: []]
                .append(registration)
        }
        for key in table.keys { table[key]!.sort { $0.sinceVersion > $1.sinceVersion } }
        self.table = table
    }

    /// The registration valid at `opsetVersion`, or nil when swerve has no kernel
    /// for the operator at that version.
    func lookup(domain: String, opType: String, opsetVersion: Int) -> KernelRegistration? {
        table[Key(domain: normalizedDomain(domain), opType: opType)]?
            .first { $0.sinceVersion <= opsetVersion }
    }

    /// The versions at which swerve has a kernel for the operator (for messages).
    func versions(domain: String, opType: String) -> [Int] {
        (table[Key(domain: normalizedDomain(domain), opType: opType)] ?? []).map(\.sinceVersion).sorted()
    }
}

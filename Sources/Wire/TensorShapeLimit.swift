/// How many elements a request's tensor may hold, said once for every front
/// (REST JSON and binary data, gRPC), so a huge shape is refused before
/// anything of that size is allocated.
public enum TensorShapeLimit {
    /// The most elements one request tensor may have (2^28).
    public static let maxElements = 1 << 28

    /// The element count of `shape`; nil when a dimension is negative or
    /// the count passes ``maxElements``.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else { return nil }
            count = product
        }
        return count
    }
}

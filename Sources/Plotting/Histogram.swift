/// Equal-width bins over the values' range.
public struct Histogram: Sendable {
    public let lower: Double
    public let upper: Double
    public let counts: [Int]

    /// Bins `values` (finite ones) into `bins` equal-width bins; a single
    /// distinct value gets a unit-wide range so the bars still have a width.
    public init(_ values: [Double], bins: Int) {
        precondition(bins >= 1, "a histogram needs at least one bin")
        let finite = values.filter(\.isFinite)
        var lower = finite.min() ?? 0
        var upper = finite.max() ?? 1
        if upper <= lower {
            lower -= 0.5
            upper += 0.5
        }
        var counts = [Int](repeating: 0, count: bins)
        let width = (upper - lower) / Double(bins)
        for v in finite {
            counts[min(bins - 1, max(0, Int((v - lower) / width)))] += 1
        }
        self.lower = lower
        self.upper = upper
        self.counts = counts
    }
}

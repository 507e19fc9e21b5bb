/// The least-squares straight line through a series of (x, y) points: how
/// much a measure drifts over a run, beyond its second-to-second noise.
public struct TrendLine: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double

    /// Fits the line; nil with fewer than two distinct x values.
    public init?(x: [Double], y: [Double]) {
        let n = Double(min(x.count, y.count))
        guard n >= 2 else { return nil }
        let meanX = x.prefix(Int(n)).reduce(0, +) / n
        let meanY = y.prefix(Int(n)).reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) {
            sxx += (a - meanX) * (a - meanX)
            sxy += (a - meanX) * (b - meanY)
        }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        intercept = meanY - slope * meanX
    }

    public func value(at x: Double) -> Double { intercept + slope * x }

    /// The fitted rise from `start` to `end` as a fraction of the fitted
    /// value at `start` (0.1 = grew by 10%); a start at or below 0 counts any
    /// rise as infinite.
    public func relativeRise(from start: Double, to end: Double) -> Double {
        let base = value(at: start)
        let rise = value(at: end) - base
        if base <= 0 { return rise > 0 ? .infinity : 0 }
        return rise / base
    }
}

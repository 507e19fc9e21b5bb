extension BenchResult {
    /// A self-contained HTML page: the summary, the latency percentile curve
    /// and throughput over time as inline SVG. No scripts, fonts or images
    /// from the network.
    public func htmlText() -> String {
        let title = "swerve-bench: \(BenchReport.grouped(requestsPerSecond)) req/s, p99 \(BenchReport.number(latency.p99)) µs"
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(BenchReport.htmlEscaped(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:820px}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
        th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
        pre{background:#f8f8f8;padding:1em;overflow:auto}
        svg text{font-size:11px;fill:#444}
        </style></head><body>
        <h1>swerve-bench</h1>
        <p>\(BenchReport.htmlEscaped(description))</p>
        <table><tr><th>measure</th><th>value</th></tr>
        <tr><td>measured seconds</td><td>\(BenchReport.number(durationSeconds, decimals: 2))</td></tr>
        <tr><td>requests/s (OK)</td><td>\(BenchReport.grouped(requestsPerSecond))</td></tr>
        <tr><td>predictions/s (rows)</td><td>\(BenchReport.grouped(predictionsPerSecond))</td></tr>
        <tr><td>OK / failed</td><td>\(ok) / \(failed)</td></tr>
        </table>
        <table><tr><th>latency µs</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
        \(latencyRow("all", latency))
        """
        if byKind.count > 1 {
            for k in byKind { html += latencyRow(k.kind.rawValue, k.latency) }
        }
        if let sendLag { html += latencyRow("send lag", sendLag) }
        html += "</table>\n"
        if !errors.isEmpty {
            html += "<table><tr><th>error</th><th>count</th><th>example</th></tr>\n"
            for (code, count) in errors.sorted(by: { $0.value > $1.value }) {
                html += "<tr><td>\(BenchReport.htmlEscaped(code))</td><td>\(count)</td><td style=\"text-align:left\">\(BenchReport.htmlEscaped(errorExamples[code] ?? ""))</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<h2>Latency by percentile</h2>\n" + percentileSVG()
        html += "<h2>Throughput over time</h2>\n" + throughputSVG()
        html += "<h2>Summary</h2>\n<pre>\(BenchReport.htmlEscaped(summaryTable()))</pre>\n</body></html>\n"
        return html
    }

    private func latencyRow(_ name: String, _ l: LatencySummary) -> String {
        "<tr><td>\(BenchReport.htmlEscaped(name))</td>" + [l.p50, l.p90, l.p99, l.p999, l.max].map { "<td>\(BenchReport.number($0))</td>" }.joined() + "</tr>\n"
    }

    private static let width = 760.0
    private static let height = 300.0
    private static let left = 70.0
    private static let bottom = 40.0
    private static let top = 28.0
    private static let right = 20.0

    /// Latency against percentile on the usual HdrHistogram axis, where each
    /// step right adds a nine (90%, 99%, 99.9%, …).
    private func percentileSVG() -> String {
        let maxNines = 5.0
        func x(_ percentile: Double) -> Double {
            let remaining = max(1 - percentile / 100, 1e-5)
            let nines = min(-log10(remaining), maxNines)
            return Self.left + nines / maxNines * (Self.width - Self.left - Self.right)
        }
        let yMax = niceCeiling(percentileCurve.map(\.microseconds).max() ?? 1)
        func y(_ value: Double) -> Double {
            Self.height - Self.bottom - value / yMax * (Self.height - Self.bottom - Self.top)
        }
        var svg = svgFrame(yMax: yMax, yLabel: "µs")
        for (label, p) in [("0%", 0.0), ("90%", 90), ("99%", 99), ("99.9%", 99.9), ("99.99%", 99.99), ("99.999%", 99.999)] {
            let px = x(p)
            svg += "<line x1=\"\(f(px))\" y1=\"\(f(Self.top))\" x2=\"\(f(px))\" y2=\"\(f(Self.height - Self.bottom))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(px))\" y=\"\(f(Self.height - Self.bottom + 16))\" text-anchor=\"middle\">\(label)</text>"
        }
        let points = percentileCurve.map { "\(f(x($0.percentile))),\(f(y($0.microseconds)))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\(points)\"/>"
        svg += "<text x=\"\(f((Self.width + Self.left) / 2))\" y=\"\(f(Self.height - 4))\" text-anchor=\"middle\">percentile</text>"
        return svg + "</svg>\n"
    }

    private func throughputSVG() -> String {
        let tMax = max(timeline.last?.seconds ?? 1, 1e-3)
        let yMax = niceCeiling(timeline.map { max($0.requestsPerSecond, $0.errorsPerSecond) }.max() ?? 1)
        func x(_ t: Double) -> Double { Self.left + t / tMax * (Self.width - Self.left - Self.right) }
        func y(_ value: Double) -> Double {
            Self.height - Self.bottom - value / yMax * (Self.height - Self.bottom - Self.top)
        }
        var svg = svgFrame(yMax: yMax, yLabel: "req/s")
        for i in 0...5 {
            let t = tMax * Double(i) / 5
            svg += "<text x=\"\(f(x(t)))\" y=\"\(f(Self.height - Self.bottom + 16))\" text-anchor=\"middle\">\(BenchReport.number(t))s</text>"
        }
        // Each sample covers the interval ending at its time: draw steps.
        var ok: [String] = []
        var failed: [String] = []
        var previous = 0.0
        for sample in timeline {
            ok.append("\(f(x(previous))),\(f(y(sample.requestsPerSecond))) \(f(x(sample.seconds))),\(f(y(sample.requestsPerSecond)))")
            failed.append("\(f(x(previous))),\(f(y(sample.errorsPerSecond))) \(f(x(sample.seconds))),\(f(y(sample.errorsPerSecond)))")
            previous = sample.seconds
        }
        svg += "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\"\(ok.joined(separator: " "))\"/>"
        if timeline.contains(where: { $0.errorsPerSecond > 0 }) {
            svg += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"\(failed.joined(separator: " "))\"/>"
            svg += "<text x=\"\(f(Self.width - Self.right))\" y=\"\(f(Self.top + 12))\" text-anchor=\"end\" style=\"fill:#d62728\">errors/s</text>"
        }
        svg += "<text x=\"\(f((Self.width + Self.left) / 2))\" y=\"\(f(Self.height - 4))\" text-anchor=\"middle\">seconds since measuring began</text>"
        return svg + "</svg>\n"
    }

    private func svgFrame(yMax: Double, yLabel: String) -> String {
        var svg = "<svg width=\"\(f(Self.width))\" height=\"\(f(Self.height))\" viewBox=\"0 0 \(f(Self.width)) \(f(Self.height))\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(Self.width))\" height=\"\(f(Self.height))\" fill=\"white\"/>"
        for i in 0...4 {
            let value = yMax * Double(i) / 4
            let py = Self.height - Self.bottom - Double(i) / 4 * (Self.height - Self.bottom - Self.top)
            svg += "<line x1=\"\(f(Self.left))\" y1=\"\(f(py))\" x2=\"\(f(Self.width - Self.right))\" y2=\"\(f(py))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(Self.left - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(BenchReport.grouped(value))</text>"
        }
        svg += "<text x=\"8\" y=\"14\">\(yLabel)</text>"
        return svg
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    private func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for step in [1.0, 2, 5, 10] where magnitude * step >= value { return magnitude * step }
        return magnitude * 10
    }

    private func f(_ value: Double) -> String { BenchReport.number(value, decimals: 1) }
}

#if canImport(Glibc)
import Glibc
#endif

#if canImport(Glibc)
import Glibc
#endif

/// Renders a ``BenchResult`` as a text table, JSON, or a self-contained
/// HTML page. Written by hand (no Foundation): the shapes are small and fixed.
public enum BenchReport {
    /// Writes `text` to `path`, replacing the file.
    public static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw BenchError.outputFailed("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
            throw BenchError.outputFailed("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let rounded = (value * factor).rounded() / factor
        if decimals == 0 || rounded == rounded.rounded() { return String(Int64(rounded)) }
        var text = String(rounded)
        if text.contains("e") { text = String(Int64(rounded)) }
        return text
    }

    /// 123456.7 → "123,457".
    static func grouped(_ value: Double) -> String {
        let digits = String(Int64(value.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func htmlEscaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension BenchResult {
    /// The end-of-run summary for people.
    public func summaryTable() -> String {
        var lines: [String] = []
        lines.append("swerve-bench: \(description)")
        lines.append("measured \(BenchReport.number(durationSeconds, decimals: 2)) s: \(ok) OK, \(failed) failed")
        lines.append("")
        lines.append(pad("requests/s (OK)", 22) + BenchReport.grouped(requestsPerSecond))
        lines.append(pad("predictions/s (rows)", 22) + BenchReport.grouped(predictionsPerSecond))
        if let targetRate { lines.append(pad("target rate", 22) + BenchReport.grouped(targetRate)) }
        lines.append("")
        lines.append(pad("latency (µs)", 14) + ["p50", "p90", "p99", "p99.9", "max", "mean"].map { lpad($0, 10) }.joined())
        func row(_ name: String, _ l: LatencySummary) -> String {
            pad(name, 14) + [l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map { lpad(BenchReport.number($0), 10) }.joined()
        }
        lines.append(row("all", latency))
        if byKind.count > 1 {
            for k in byKind { lines.append(row(k.kind.rawValue, k.latency) + "   \(k.ok) OK, \(k.errors) failed") }
        }
        if let sendLag { lines.append(row("send lag", sendLag) + "   (generator lateness, included above)") }
        lines.append("")
        if errors.isEmpty {
            lines.append("errors: none")
        } else {
            lines.append("errors:")
            for (code, count) in errors.sorted(by: { $0.value > $1.value }) {
                let example = errorExamples[code].map { " (e.g. \($0))" } ?? ""
                lines.append("  \(pad(code, 24)) \(count)\(example)")
            }
        }
        if let cpu {
            var text = "cpu: bench \(BenchReport.number(cpu.benchCores, decimals: 2)) cores"
            if let server = cpu.serverCores {
                text += ", server \(BenchReport.number(server, decimals: 2)) cores"
                let busy = cpu.serverThreads.filter { $0.value >= 0.01 }.sorted { $0.key < $1.key }
                if !busy.isEmpty {
                    text += " (" + busy.map { "\($0.key) \(Int(($0.value * 100).rounded()))%" }.joined(separator: ", ") + ")"
                }
            }
            if let busy = cpu.machineBusyCores, let idle = cpu.machineIdleFraction {
                text += "; machine \(BenchReport.number(busy, decimals: 2)) cores busy, \(Int((idle * 100).rounded()))% idle"
            }
            lines.append(text)
            if let allocations = cpu.serverAllocations {
                lines.append("server heap allocations: \(allocations) "
                    + "(\(BenchReport.number(allocationsPerRequest(allocations), decimals: 2)) per request)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The machine-readable result. Top-level keys include
    /// `requests_per_second`, `predictions_per_second`, `latency_us`
    /// (`p50`, `p90`, `p99`, `p999`, `max`, `mean`) and `errors` (count per code).
    public func jsonText() -> String {
        func latencyJSON(_ l: LatencySummary) -> String {
            "{\"p50\": \(BenchReport.number(l.p50, decimals: 3)), \"p90\": \(BenchReport.number(l.p90, decimals: 3)), "
                + "\"p99\": \(BenchReport.number(l.p99, decimals: 3)), \"p999\": \(BenchReport.number(l.p999, decimals: 3)), "
                + "\"max\": \(BenchReport.number(l.max, decimals: 3)), \"mean\": \(BenchReport.number(l.mean, decimals: 3))}"
        }
        var fields: [String] = []
        fields.append("\"target\": \(BenchReport.jsonString(target))")
        fields.append("\"workload\": \(BenchReport.jsonString(workload))")
        fields.append("\"load\": \(BenchReport.jsonString(loadDescription))")
        fields.append("\"connections\": \(connections)")
        fields.append("\"loops\": \(loops)")
        fields.append("\"duration_s\": \(BenchReport.number(durationSeconds, decimals: 3))")
        fields.append("\"requests_ok\": \(ok)")
        fields.append("\"requests_failed\": \(failed)")
        fields.append("\"requests_per_second\": \(BenchReport.number(requestsPerSecond, decimals: 1))")
        fields.append("\"predictions_per_second\": \(BenchReport.number(predictionsPerSecond, decimals: 1))")
        if let targetRate { fields.append("\"target_rate\": \(BenchReport.number(targetRate, decimals: 1))") }
        fields.append("\"latency_us\": \(latencyJSON(latency))")
        if let sendLag { fields.append("\"send_lag_us\": \(latencyJSON(sendLag))") }
        let errorPairs = errors.sorted { $0.key < $1.key }.map { "\(BenchReport.jsonString($0.key)): \($0.value)" }
        fields.append("\"errors\": {\(errorPairs.joined(separator: ", "))}")
        let examplePairs = errorExamples.sorted { $0.key < $1.key }.map { "\(BenchReport.jsonString($0.key)): \(BenchReport.jsonString($0.value))" }
        fields.append("\"error_examples\": {\(examplePairs.joined(separator: ", "))}")
        let kinds = byKind.map { k in
            "\(BenchReport.jsonString(k.kind.rawValue)): {\"ok\": \(k.ok), \"failed\": \(k.errors), "
                + "\"requests_per_second\": \(BenchReport.number(k.requestsPerSecond, decimals: 1)), \"latency_us\": \(latencyJSON(k.latency))}"
        }
        fields.append("\"by_workload\": {\(kinds.joined(separator: ", "))}")
        let points = timeline.map {
            "{\"t\": \(BenchReport.number($0.seconds, decimals: 3)), \"requests_per_second\": \(BenchReport.number($0.requestsPerSecond, decimals: 1)), "
                + "\"errors_per_second\": \(BenchReport.number($0.errorsPerSecond, decimals: 1))}"
        }
        fields.append("\"timeline\": [\(points.joined(separator: ", "))]")
        if let cpu {
            var cpuFields = ["\"bench_cores\": \(BenchReport.number(cpu.benchCores, decimals: 3))"]
            if let server = cpu.serverCores { cpuFields.append("\"server_cores\": \(BenchReport.number(server, decimals: 3))") }
            let threads = cpu.serverThreads.sorted { $0.key < $1.key }.map { "\(BenchReport.jsonString($0.key)): \(BenchReport.number($0.value, decimals: 3))" }
            cpuFields.append("\"server_threads\": {\(threads.joined(separator: ", "))}")
            if let busy = cpu.machineBusyCores { cpuFields.append("\"machine_busy_cores\": \(BenchReport.number(busy, decimals: 3))") }
            if let idle = cpu.machineIdleFraction { cpuFields.append("\"machine_idle_percent\": \(BenchReport.number(idle * 100, decimals: 1))") }
            if let allocations = cpu.serverAllocations {
                cpuFields.append("\"server_allocations\": \(allocations)")
                cpuFields.append("\"server_allocations_per_request\": \(BenchReport.number(allocationsPerRequest(allocations), decimals: 3))")
            }
            fields.append("\"cpu\": {\(cpuFields.joined(separator: ", "))}")
        }
        return "{\n  " + fields.joined(separator: ",\n  ") + "\n}\n"
    }

    /// Allocations over the measured window per request answered or failed in it.
    private func allocationsPerRequest(_ allocations: UInt64) -> Double {
        Double(allocations) / Double(max(1, ok + failed))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}

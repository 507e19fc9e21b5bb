import Foundation
import TextFormats

/// What one swerve-bench run of the soak reported (its --json result): the
/// requests answered, and the failures by code.
public struct BenchOutcome: Sendable, Equatable {
    /// The load's target, e.g. "binary 127.0.0.1:8500".
    public var target: String
    public var ok: Int
    public var failed: Int
    /// Failures by code (`UNAVAILABLE`, `HTTP_503`, `TIMEOUT`, …).
    public var errors: [String: Int]
    /// Requests answered OK per workload kind (`predict`, `submit`, `fanout`).
    public var okByWorkload: [String: Int]

    public init(target: String, ok: Int, failed: Int, errors: [String: Int], okByWorkload: [String: Int]) {
        self.target = target
        self.ok = ok
        self.failed = failed
        self.errors = errors
        self.okByWorkload = okByWorkload
    }

    /// Reads a swerve-bench --json result; throws naming the file and the
    /// field that is missing or of the wrong kind.
    public static func read(path: String) throws(SoakReportError) -> BenchOutcome {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SoakReportError("cannot read \(path): \(error)")
        }
        let json: JSON
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw SoakReportError("\(path): \(error)")
        }
        return try parse(json, path: path)
    }

    static func parse(_ json: JSON, path: String) throws(SoakReportError) -> BenchOutcome {
        func count(_ value: JSON?, _ name: String) throws(SoakReportError) -> Int {
            guard let value, let n = value.int64Value, n >= 0 else {
                throw SoakReportError("\(path): \(name) is \(value?.shortDescription ?? "missing"), expected a count")
            }
            return Int(n)
        }
        guard let target = json["target"]?.stringValue else { throw SoakReportError("\(path): no \"target\" string") }
        var errors: [String: Int] = [:]
        guard let errorMembers = json["errors"]?.objectMembers else { throw SoakReportError("\(path): no \"errors\" object") }
        for (code, value) in errorMembers { errors[code] = try count(value, "errors.\(code)") }
        var okByWorkload: [String: Int] = [:]
        for (kind, value) in json["by_workload"]?.objectMembers ?? [] {
            okByWorkload[kind] = try count(value["ok"], "by_workload.\(kind).ok")
        }
        return BenchOutcome(target: target, ok: try count(json["requests_ok"], "requests_ok"),
                            failed: try count(json["requests_failed"], "requests_failed"),
                            errors: errors, okByWorkload: okByWorkload)
    }
}

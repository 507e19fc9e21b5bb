import ArgumentParser
import Foundation
import ModelRuntime

/// Per-row latency of ModelRuntime on the parity fixtures, single-threaded,
/// at batch 1 (rows one at a time) and at a large batch (rows tiled).
@main
struct RuntimeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swerve-runtime-bench",
        abstract: "Time ModelRuntime per row on models/fixtures (compare with scripts/ort_bench.py).")

    @Option(help: "Directory of parity fixtures (*.json next to their .onnx).")
    var fixtures: String = "models/fixtures"

    @Option(name: .customLong("model"), help: "Only these fixtures (name without .json); repeatable.")
    var models: [String] = []

    @Option(help: "Comma-separated batch sizes.")
    var batches: String = "1,10000"

    @Option(help: "Seconds of measurement per fixture and batch size.")
    var seconds: Double = 0.5

    @Option(help: "Also write results as JSON {fixture: {batch: ns_per_row}} to this file.")
    var json: String?

    func run() throws {
        let batchSizes = batches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--batches needs positive integers, got '\(batches)'")
        }
        let directory = URL(fileURLWithPath: fixtures)
        var names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        if !models.isEmpty {
            let unknown = models.filter { !names.contains($0) }
            guard unknown.isEmpty else { throw ValidationError("no fixture named \(unknown.joined(separator: ", ")) in \(directory.path)") }
            names = models
        }

        var results: [String: [String: Double]] = [:]
        print(pad("fixture", 40) + batchSizes.map { pad("batch \($0) ns/row", 20) }.joined())
        for name in names {
            let fixture = try BenchFixture(file: directory.appendingPathComponent(name + ".json"))
            let model: Model
            do {
                model = try Model.load(path: fixture.modelPath)
            } catch {
                print(pad(name, 40) + "load failed: \(error)")
                continue
            }
            var line = pad(name, 40)
            for batch in batchSizes {
                do {
                    let nanoseconds = try measure(model, fixture, batch: batch)
                    results[name, default: [:]][String(batch)] = nanoseconds
                    line += pad(String(format: "%.1f", nanoseconds), 20)
                } catch {
                    line += pad("error: \(error)", 20)
                }
            }
            print(line)
        }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json))
        }
    }

    /// Median nanoseconds per row. Batch 1 times blocks of calls, cycling
    /// through the fixture's rows; larger batches time one call per sample.
    private func measure(_ model: Model, _ fixture: BenchFixture, batch: Int) throws -> Double {
        let feeds: [[String: Tensor]]
        if batch == 1 {
            feeds = try (0..<fixture.rows.count).map { [fixture.inputName: try fixture.input(rows: 1, startingAt: $0)] }
        } else {
            feeds = [[fixture.inputName: try fixture.input(rows: batch)]]
        }
        let callsPerSample = batch == 1 ? 100 : 1
        for feed in feeds { _ = try model.run(feed) }  // warm up
        var samples: [Double] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        var next = 0
        while samples.count < 5 || clock.now < deadline {
            let start = clock.now
            for _ in 0..<callsPerSample {
                _ = try model.run(feeds[next])
                next = (next + 1) % feeds.count
            }
            let elapsed = clock.now - start
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            samples.append(ns / Double(callsPerSample * batch))
            if samples.count >= 100_000 { break }
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

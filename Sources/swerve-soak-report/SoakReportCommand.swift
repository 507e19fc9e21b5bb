import ArgumentParser
import SoakReport

/// `swerve-soak-report`: the verdict and the plot of one `scripts/soak.sh` run.
struct SoakReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swerve-soak-report",
        abstract: "Judge a soak run (scripts/soak.sh) and plot it; exit status 0 when it passes.")

    @Option(help: "The per-second samples the soak wrote (samples.csv).")
    var samples: String

    @Option(help: "A swerve-bench --json result of the soak's load (repeatable).")
    var bench: [String] = []

    @Option(help: "Jobs the queue accepted during the run.")
    var jobsAccepted: Int

    @Option(help: "Of those, jobs that completed.")
    var jobsCompleted: Int

    @Option(help: "Seconds at the start left out of the flatness checks.")
    var warmupSeconds: Double = 60

    @Option(help: "Seconds after a version removal in which UNAVAILABLE errors count as its drain's.")
    var drainWindowSeconds: Double = 5

    @Option(help: "Write the plot (RSS, descriptors, throughput over time) to this PNG.")
    var png: String?

    func validate() throws {
        guard !bench.isEmpty else { throw ValidationError("give at least one --bench FILE (swerve-bench --json result)") }
        guard jobsAccepted >= 0, jobsCompleted >= 0 else { throw ValidationError("job counts must not be negative") }
        guard warmupSeconds >= 0, warmupSeconds.isFinite else { throw ValidationError("--warmup-seconds must be 0 or more, got \(warmupSeconds)") }
        guard drainWindowSeconds >= 0, drainWindowSeconds.isFinite else {
            throw ValidationError("--drain-window-seconds must be 0 or more, got \(drainWindowSeconds)")
        }
    }

    func run() throws {
        let records: SoakSamples
        let outcomes: [BenchOutcome]
        do {
            records = try SoakSamples.read(path: samples)
            outcomes = try bench.map { path throws(SoakReportError) in try BenchOutcome.read(path: path) }
        } catch {
            throw ValidationError(error.description)
        }
        var verdict = SoakVerdict()
        verdict.warmupSeconds = warmupSeconds
        verdict.drainWindowSeconds = drainWindowSeconds
        let checks = verdict.checks(samples: records, bench: outcomes, jobsAccepted: jobsAccepted, jobsCompleted: jobsCompleted)
        let passed = checks.allSatisfy(\.passed)
        let minutes = Int(((records["second"].last ?? 0) / 60).rounded())
        for check in checks {
            print("\(check.passed ? "PASS" : "FAIL")  \(check.name): \(check.detail)")
        }
        for outcome in outcomes {
            let kinds = outcome.okByWorkload.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("      load \(outcome.target): \(outcome.ok) OK\(kinds.isEmpty ? "" : " (\(kinds))"), \(outcome.failed) failed")
        }
        if let png {
            do {
                try SoakPlot.write(records, to: png, title: "swerve soak, \(minutes) min: \(passed ? "PASS" : "FAIL")")
                print("      plot: \(png)")
            } catch {
                print("      plot not written: \(error)")
                throw ExitCode(1)
            }
        }
        print("verdict: \(passed ? "PASS" : "FAIL")")
        if !passed { throw ExitCode(1) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Progress on standard error while a batch runs: rows, rows/s and, when
/// the input's size is known, percent done and the time left. Redraws one
/// line at most a few times a second.
final class ProgressMeter {
    private let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var drew = false

    /// `enabled` nil: on when standard error is a terminal.
    init(enabled: Bool?) {
        self.enabled = enabled ?? (isatty(2) == 1)
    }

    /// Seconds since the meter was created.
    var elapsedSeconds: Double { Self.seconds(started.duration(to: .now)) }

    /// Redraws when enough time passed since the last redraw.
    func update(rows: Int, fraction: Double?) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard Self.seconds(lastDraw.duration(to: now)) >= 0.2 else { return }
        lastDraw = now
        let elapsed = elapsedSeconds
        var line = "\r\(rows) rows  \(Int(Double(rows) / max(elapsed, 1e-9))) rows/s"
        if let fraction, fraction > 0 {
            let percent = (min(fraction, 1) * 1000).rounded() / 10
            let left = elapsed * (1 - fraction) / fraction
            line += "  \(percent)%  ETA \(Self.clock(left))"
        }
        line += "\u{1B}[K"
        fputs(line, stderr)
        drew = true
    }

    /// Clears the progress line (the caller prints the summary).
    func finish() {
        if drew { fputs("\r\u{1B}[K", stderr) }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let s = total % 60, m = (total / 60) % 60, h = total / 3600
        let mm = m < 10 && h > 0 ? "0\(m)" : "\(m)"
        return (h > 0 ? "\(h):" : "") + mm + ":" + (s < 10 ? "0\(s)" : "\(s)")
    }
}

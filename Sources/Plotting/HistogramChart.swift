import CCairo
#if canImport(Glibc)
import Glibc
#endif

/// Why a chart could not be written.
public struct PlotError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A histogram drawn as a PNG with cairo on an image surface (no display):
/// bars, x and y axes with ticks and labels, and a title.
public struct HistogramChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel = "rows"
    public var width: Int
    public var height: Int

    public init(title: String, xLabel: String, width: Int, height: Int) {
        self.title = title
        self.xLabel = xLabel
        self.width = width
        self.height = height
    }

    /// Draws `histogram` and writes it to `path` as a temporary file renamed
    /// into place, so a reader never sees half a PNG.
    public func write(_ histogram: Histogram, to path: String) throws(PlotError) {
        guard width >= 100, height >= 100 else { throw PlotError("a chart needs at least 100×100 pixels (got \(width)×\(height))") }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw PlotError("cairo could not create a \(width)×\(height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw PlotError("cairo could not create a context") }
        defer { cairo_destroy(cr) }
        draw(histogram, cr)
        let temporary = path + ".tmp-\(getpid())"
        let status = cairo_surface_write_to_png(surface, temporary)
        guard status == CAIRO_STATUS_SUCCESS else {
            unlink(temporary)
            throw PlotError("writing \(path): \(String(cString: cairo_status_to_string(status)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PlotError("renaming \(temporary) to \(path): \(reason)")
        }
    }

    private func draw(_ histogram: Histogram, _ cr: OpaquePointer) {
        let w = Double(width), h = Double(height)
        let left = 70.0, right = 20.0, top = 50.0, bottom = 60.0
        let plotWidth = w - left - right, plotHeight = h - top - bottom
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)

        let maxCount = max(1, histogram.counts.max() ?? 1)
        let yTicks = Self.ticks(upTo: Double(maxCount))
        let yTop = yTicks.last ?? Double(maxCount)
        let barWidth = plotWidth / Double(histogram.counts.count)
        cairo_set_source_rgb(cr, 0.27, 0.51, 0.71)
        for (i, count) in histogram.counts.enumerated() where count > 0 {
            let barHeight = plotHeight * Double(count) / yTop
            cairo_rectangle(cr, left + Double(i) * barWidth + 0.5, top + plotHeight - barHeight, max(1, barWidth - 1), barHeight)
        }
        cairo_fill(cr)

        // Axes.
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_line_width(cr, 1)
        cairo_move_to(cr, left, top)
        cairo_line_to(cr, left, top + plotHeight)
        cairo_line_to(cr, left + plotWidth, top + plotHeight)
        cairo_stroke(cr)
        cairo_set_font_size(cr, 11)
        for value in yTicks {
            let y = top + plotHeight - plotHeight * value / yTop
            cairo_move_to(cr, left - 5, y)
            cairo_line_to(cr, left, y)
            cairo_stroke(cr)
            text(cr, Self.label(value), x: left - 8, y: y + 4, alignRight: true)
        }
        let span = histogram.upper - histogram.lower
        for i in 0...5 {
            let value = histogram.lower + span * Double(i) / 5
            let x = left + plotWidth * Double(i) / 5
            cairo_move_to(cr, x, top + plotHeight)
            cairo_line_to(cr, x, top + plotHeight + 5)
            cairo_stroke(cr)
            text(cr, Self.label(value), x: x, y: top + plotHeight + 18, centered: true)
        }
        cairo_set_font_size(cr, 12)
        text(cr, xLabel, x: left + plotWidth / 2, y: h - 15, centered: true)
        cairo_save(cr)
        cairo_translate(cr, 16, top + plotHeight / 2)
        cairo_rotate(cr, -Double.pi / 2)
        text(cr, yLabel, x: 0, y: 0, centered: true)
        cairo_restore(cr)
        cairo_set_font_size(cr, 14)
        text(cr, title, x: w / 2, y: 28, centered: true)
    }

    private func text(_ cr: OpaquePointer, _ s: String, x: Double, y: Double, centered: Bool = false, alignRight: Bool = false) {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        let dx = centered ? extents.x_advance / 2 : alignRight ? extents.x_advance : 0
        cairo_move_to(cr, x - dx, y)
        cairo_show_text(cr, s)
    }

    /// Round tick values from 0 to at least `maximum` (1, 2 or 5 × 10^k steps).
    static func ticks(upTo maximum: Double) -> [Double] {
        let rough = maximum / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? rough
        var ticks: [Double] = []
        var value = 0.0
        while value < maximum + step / 2 {
            ticks.append(value)
            if value >= maximum { break }
            value += step
        }
        return ticks
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }
}

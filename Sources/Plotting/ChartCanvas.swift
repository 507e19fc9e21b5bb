import CCairo
#if canImport(Glibc)
import Glibc
#endif

/// What every chart shares: a cairo image surface (no display) written as a
/// PNG, text placement, and round axis ticks.
enum ChartCanvas {
    /// Creates a `width`×`height` surface, lets `draw` paint it, and writes it
    /// to `path` as a temporary file renamed into place, so a reader never
    /// sees half a PNG.
    static func writePNG(width: Int, height: Int, to path: String,
                         _ draw: (OpaquePointer) -> Void) throws(PlotError) {
        guard width >= 100, height >= 100 else { throw PlotError("a chart needs at least 100×100 pixels (got \(width)×\(height))") }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw PlotError("cairo could not create a \(width)×\(height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw PlotError("cairo could not create a context") }
        defer { cairo_destroy(cr) }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        draw(cr)
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

    /// The left and bottom axis lines of a plot area, in black.
    static func axes(_ cr: OpaquePointer, left: Double, top: Double, width: Double, height: Double) {
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_line_width(cr, 1)
        cairo_move_to(cr, left, top)
        cairo_line_to(cr, left, top + height)
        cairo_line_to(cr, left + width, top + height)
        cairo_stroke(cr)
    }

    static func text(_ cr: OpaquePointer, _ s: String, x: Double, y: Double, centered: Bool = false, alignRight: Bool = false) {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        let dx = centered ? extents.x_advance / 2 : alignRight ? extents.x_advance : 0
        cairo_move_to(cr, x - dx, y)
        cairo_show_text(cr, s)
    }

    /// `s` rotated a quarter turn left, centred on (x, y): a y-axis label.
    static func verticalText(_ cr: OpaquePointer, _ s: String, x: Double, y: Double) {
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, -Double.pi / 2)
        text(cr, s, x: 0, y: 0, centered: true)
        cairo_restore(cr)
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

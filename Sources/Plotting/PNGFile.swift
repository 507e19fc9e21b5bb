import CCairo

/// Reading a PNG back (tests, and a check that a written chart decodes).
public enum PNGFile {
    /// Decodes the PNG at `path` with cairo and returns its size.
    public static func dimensions(_ path: String) throws(PlotError) -> (width: Int, height: Int) {
        guard let surface = cairo_image_surface_create_from_png(path) else { throw PlotError("cairo could not read \(path)") }
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError("\(path) does not decode as PNG: \(String(cString: cairo_status_to_string(status)))")
        }
        return (Int(cairo_image_surface_get_width(surface)), Int(cairo_image_surface_get_height(surface)))
    }
}

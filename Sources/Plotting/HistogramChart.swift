import CCairo

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

    /// Draws `histogram` and writes it to `path` (atomically: see ``ChartCanvas``).
    public func write(_ histogram: Histogram, to path: String) throws(PlotError) {
        try ChartCanvas.writePNG(width: width, height: height, to: path) { draw(histogram, $0) }
    }

    private func draw(_ histogram: Histogram, _ cr: OpaquePointer) {
        let w = Double(width), h = Double(height)
        let left = 70.0, right = 20.0, top = 50.0, bottom = 60.0
        let plotWidth = w - left - right, plotHeight = h - top - bottom
        let maxCount = max(1, histogram.counts.max() ?? 1)
        let yTicks = ChartCanvas.ticks(upTo: Double(maxCount))
        let yTop = yTicks.last ?? Double(maxCount)
        let barWidth = plotWidth / Double(histogram.counts.count)
        cairo_set_source_rgb(cr, 0.27, 0.51, 0.71)
        for (i, count) in histogram.counts.enumerated() where count > 0 {
            let barHeight = plotHeight * Double(count) / yTop
            cairo_rectangle(cr, left + Double(i) * barWidth + 0.5, top + plotHeight - barHeight, max(1, barWidth - 1), barHeight)
        }
        cairo_fill(cr)

        ChartCanvas.axes(cr, left: left, top: top, width: plotWidth, height: plotHeight)
        cairo_set_font_size(cr, 11)
        for value in yTicks {
            let y = top + plotHeight - plotHeight * value / yTop
            cairo_move_to(cr, left - 5, y)
            cairo_line_to(cr, left, y)
            cairo_stroke(cr)
            ChartCanvas.text(cr, ChartCanvas.label(value), x: left - 8, y: y + 4, alignRight: true)
        }
        let span = histogram.upper - histogram.lower
        for i in 0...5 {
            let value = histogram.lower + span * Double(i) / 5
            let x = left + plotWidth * Double(i) / 5
            cairo_move_to(cr, x, top + plotHeight)
            cairo_line_to(cr, x, top + plotHeight + 5)
            cairo_stroke(cr)
            ChartCanvas.text(cr, ChartCanvas.label(value), x: x, y: top + plotHeight + 18, centered: true)
        }
        cairo_set_font_size(cr, 12)
        ChartCanvas.text(cr, xLabel, x: left + plotWidth / 2, y: h - 15, centered: true)
        ChartCanvas.verticalText(cr, yLabel, x: 16, y: top + plotHeight / 2)
        cairo_set_font_size(cr, 14)
        ChartCanvas.text(cr, title, x: w / 2, y: 28, centered: true)
    }
}

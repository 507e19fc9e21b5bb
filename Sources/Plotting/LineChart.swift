import CCairo

/// One line of a ``LineChart`` panel: a value for each of the chart's x values.
public struct LineSeries: Sendable {
    public var name: String
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// One plot of a ``LineChart``: its y label and the lines drawn in it.
public struct LinePanel: Sendable {
    public var yLabel: String
    public var series: [LineSeries]

    public init(yLabel: String, series: [LineSeries]) {
        self.yLabel = yLabel
        self.series = series
    }
}

/// Time series drawn as a PNG with cairo: panels stacked one above the other
/// over one shared x axis, each with its own y scale from 0, and a legend.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var width: Int
    public var height: Int

    private static let colours: [(Double, Double, Double)] = [
        (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16), (0.58, 0.4, 0.74),
    ]

    public init(title: String, xLabel: String, width: Int, height: Int) {
        self.title = title
        self.xLabel = xLabel
        self.width = width
        self.height = height
    }

    /// Draws `panels` against `x` and writes the PNG to `path` (atomically:
    /// see ``ChartCanvas``). Every series needs one value per x value.
    public func write(x: [Double], panels: [LinePanel], to path: String) throws(PlotError) {
        guard !panels.isEmpty else { throw PlotError("a line chart needs at least one panel") }
        guard x.count >= 2 else { throw PlotError("a line chart needs at least 2 points, got \(x.count)") }
        for panel in panels {
            for line in panel.series where line.values.count != x.count {
                throw PlotError("series '\(line.name)' has \(line.values.count) values for \(x.count) x values")
            }
        }
        try ChartCanvas.writePNG(width: width, height: height, to: path) { draw(x: x, panels: panels, $0) }
    }

    private func draw(x: [Double], panels: [LinePanel], _ cr: OpaquePointer) {
        let w = Double(width), h = Double(height)
        let left = 80.0, right = 20.0, top = 45.0, bottom = 50.0, gap = 30.0
        let plotWidth = w - left - right
        let panelHeight = (h - top - bottom - gap * Double(panels.count - 1)) / Double(panels.count)
        let xMin = x.min() ?? 0
        let xSpan = max((x.max() ?? 1) - xMin, 1e-9)
        func px(_ value: Double) -> Double { left + plotWidth * (value - xMin) / xSpan }

        for (index, panel) in panels.enumerated() {
            let panelTop = top + Double(index) * (panelHeight + gap)
            let finite = panel.series.flatMap(\.values).filter(\.isFinite)
            let yTicks = ChartCanvas.ticks(upTo: max(finite.max() ?? 1, 1e-9))
            let yTop = yTicks.last ?? 1
            func py(_ value: Double) -> Double { panelTop + panelHeight - panelHeight * value / yTop }

            cairo_set_line_width(cr, 1)
            cairo_set_font_size(cr, 11)
            for value in yTicks {
                cairo_set_source_rgb(cr, 0.92, 0.92, 0.92)
                cairo_move_to(cr, left, py(value))
                cairo_line_to(cr, left + plotWidth, py(value))
                cairo_stroke(cr)
                cairo_set_source_rgb(cr, 0, 0, 0)
                ChartCanvas.text(cr, ChartCanvas.label(value), x: left - 8, y: py(value) + 4, alignRight: true)
            }
            for (n, line) in panel.series.enumerated() {
                let colour = Self.colours[n % Self.colours.count]
                cairo_set_source_rgb(cr, colour.0, colour.1, colour.2)
                cairo_set_line_width(cr, 1.5)
                var drawing = false
                for (i, value) in line.values.enumerated() {
                    // A gap in the data (NaN) breaks the line instead of drawing it to zero.
                    guard value.isFinite else { drawing = false; continue }
                    if drawing { cairo_line_to(cr, px(x[i]), py(value)) } else { cairo_move_to(cr, px(x[i]), py(value)) }
                    drawing = true
                }
                cairo_stroke(cr)
                ChartCanvas.text(cr, line.name, x: left + 10 + Double(n) * 150, y: panelTop + 12)
            }
            ChartCanvas.axes(cr, left: left, top: panelTop, width: plotWidth, height: panelHeight)
            cairo_set_font_size(cr, 12)
            ChartCanvas.verticalText(cr, panel.yLabel, x: 16, y: panelTop + panelHeight / 2)
        }

        let axisY = h - bottom
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_font_size(cr, 11)
        // Round x labels: the ticks from 0 that fall inside the data's range.
        for value in ChartCanvas.ticks(upTo: xMin + xSpan) where value >= xMin && value <= xMin + xSpan {
            cairo_move_to(cr, px(value), axisY)
            cairo_line_to(cr, px(value), axisY + 5)
            cairo_stroke(cr)
            ChartCanvas.text(cr, ChartCanvas.label(value), x: px(value), y: axisY + 18, centered: true)
        }
        cairo_set_font_size(cr, 12)
        ChartCanvas.text(cr, xLabel, x: left + plotWidth / 2, y: h - 12, centered: true)
        cairo_set_font_size(cr, 14)
        ChartCanvas.text(cr, title, x: w / 2, y: 26, centered: true)
    }
}

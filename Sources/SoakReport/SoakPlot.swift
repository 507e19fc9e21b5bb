import Plotting

/// The soak's picture: RSS, open descriptors and throughput over time, one
/// panel each, drawn with the Plotting module.
public enum SoakPlot {
    public static func write(_ samples: SoakSamples, to path: String, title: String) throws(PlotError) {
        let megabytes: (String) -> [Double] = { column in samples[column].map { $0 / 1024 } }
        let panels = [
            LinePanel(yLabel: "RSS (MB)", series: [
                LineSeries(name: "front", values: megabytes("front_rss_kb")),
                LineSeries(name: "member", values: megabytes("member_rss_kb")),
                LineSeries(name: "workers (2)", values: megabytes("workers_rss_kb")),
            ]),
            LinePanel(yLabel: "open descriptors", series: [
                LineSeries(name: "front", values: samples["front_fds"]),
                LineSeries(name: "member", values: samples["member_fds"]),
                LineSeries(name: "workers (2)", values: samples["workers_fds"]),
            ]),
            LinePanel(yLabel: "requests/s", series: [
                LineSeries(name: "binary mix", values: samples["binary_rps"]),
                LineSeries(name: "REST", values: samples["rest_rps"]),
            ]),
        ]
        try LineChart(title: title, xLabel: "seconds", width: 1000, height: 900)
            .write(x: samples["second"], panels: panels, to: path)
    }
}

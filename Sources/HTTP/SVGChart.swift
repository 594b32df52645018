import Foundation
import Reporter

/// Charts drawn on the server as inline SVG, styled by the page's style sheet (presentation by
/// class, so that the Content-Security-Policy needs no inline styles). Only numbers and dates
/// go into the markup; labels are escaped all the same.
struct SVGChart {
    /// One bar or point per day, oldest first.
    struct Day {
        var label: String
        var values: [Double]
    }

    /// One value of each day: its CSS class suffix and its name in the key.
    struct Series {
        var name: String
        var cssClass: String
    }

    var days: [Day]
    var series: [Series]
    var width = 900.0
    var height = 220.0
    private let left = 48.0, bottom = 24.0, top = 22.0, right = 8.0

    init(days: [Day], series: [Series]) {
        self.days = days
        self.series = series
    }

    /// Bars with the series stacked, scaled to the busiest day.
    func stackedBars(caption: String) -> String {
        let maximum = max(1, days.map { $0.values.reduce(0, +) }.max() ?? 1)
        let scale = niceCeiling(maximum)
        var svg = open(caption: caption)
        svg += grid(scale: scale, format: { StatusFormat.count(Int($0)) })
        let slot = plotWidth / Double(max(days.count, 1))
        for (index, day) in days.enumerated() {
            var y = height - bottom
            for (value, series) in zip(day.values, series) where value > 0 {
                let barHeight = value / scale * plotHeight
                y -= barHeight
                svg += #"<rect class="bar-\#(series.cssClass)" x="\#(fixed(left + Double(index) * slot + slot * 0.1))" y="\#(fixed(y))" width="\#(fixed(slot * 0.8))" height="\#(fixed(barHeight))"><title>\#(Self.escape(day.label)) \#(series.name): \#(Int(value))</title></rect>"#
            }
        }
        svg += dayLabels(slot: slot)
        svg += key()
        return svg + "</svg>"
    }

    /// Lines of percentages from 0 to 100; a day without messages breaks no line, it is left out.
    func percentLines(caption: String) -> String {
        var svg = open(caption: caption)
        svg += grid(scale: 100, format: { "\(Int($0)) %" })
        let slot = plotWidth / Double(max(days.count, 1))
        for (position, series) in series.enumerated() {
            let points = days.enumerated().compactMap { index, day -> String? in
                guard position < day.values.count, day.values[position] >= 0 else { return nil }
                let x = left + Double(index) * slot + slot / 2
                let y = height - bottom - day.values[position] / 100 * plotHeight
                return "\(fixed(x)),\(fixed(y))"
            }
            guard !points.isEmpty else { continue }
            svg += #"<polyline class="line line-\#(series.cssClass)" points="\#(points.joined(separator: " "))"/>"#
        }
        svg += dayLabels(slot: slot)
        svg += key()
        return svg + "</svg>"
    }

    private var plotWidth: Double { width - left - right }
    private var plotHeight: Double { height - bottom - top }

    private func open(caption: String) -> String {
        #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="\#(Int(width))" height="\#(Int(height))" role="img" aria-label="\#(Self.escape(caption))">"#
    }

    private func grid(scale: Double, format: (Double) -> String) -> String {
        var svg = ""
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let y = height - bottom - plotHeight * Double(step) / 4
            svg += #"<line class="grid" x1="\#(fixed(left))" x2="\#(fixed(width - right))" y1="\#(fixed(y))" y2="\#(fixed(y))"/>"#
            svg += #"<text x="\#(fixed(left - 4))" y="\#(fixed(y + 4))" text-anchor="end">\#(Self.escape(format(value)))</text>"#
        }
        return svg
    }

    /// Every few days' date under the axis, so that the labels never overlap.
    private func dayLabels(slot: Double) -> String {
        let every = max(1, Int((70 / slot).rounded(.up)))
        var svg = ""
        for (index, day) in days.enumerated() where index % every == 0 {
            let x = left + Double(index) * slot + slot / 2
            svg += #"<text x="\#(fixed(x))" y="\#(fixed(height - 6))" text-anchor="middle">\#(Self.escape(String(day.label.suffix(5))))</text>"#
        }
        return svg
    }

    private func key() -> String {
        var svg = ""
        var x = left
        for series in series {
            svg += #"<rect class="bar-\#(series.cssClass) key-\#(series.cssClass)" x="\#(fixed(x))" y="6" width="10" height="10"/>"#
            svg += #"<text x="\#(fixed(x + 14))" y="15">\#(Self.escape(series.name))</text>"#
            x += 24 + Double(series.name.count) * 7
        }
        return svg
    }

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `value`, so that grid
    /// lines fall on round numbers.
    private func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, (log10(value)).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    private func fixed(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Text for the markup: SVG is XML, escaped as the reports' XML is.
    static func escape(_ text: String) -> String {
        AggregateReportXMLWriter.escaped(text)
    }
}

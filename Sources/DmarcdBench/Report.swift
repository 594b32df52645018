/// How benchmarks print: one figure or ratio a line, aligned, so runs can be compared by eye.
enum Report {
    static func figure(_ label: String, _ value: Double, unit: String = "", digits: Int = 0) {
        print(pad(label) + format(value, digits: digits) + (unit.isEmpty ? "" : " \(unit)"))
    }

    /// `note` follows the ratio on its line, e.g. the target it is measured against.
    static func ratio(_ label: String, _ value: Double, note: String = "") {
        print(pad(label) + format(value, digits: 2) + "x" + (note.isEmpty ? "" : "  (\(note))"))
    }

    private static func pad(_ label: String) -> String {
        label.count >= 64 ? label + " " : label + String(repeating: " ", count: 64 - label.count)
    }

    private static func format(_ value: Double, digits: Int = 0) -> String {
        let scale = pow10(digits)
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }

    private static func pow10(_ digits: Int) -> Double {
        (0..<digits).reduce(1.0) { value, _ in value * 10 }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

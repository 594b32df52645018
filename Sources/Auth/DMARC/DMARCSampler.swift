/// The random source for RFC 7489 `pct` sampling, passed in so that tests can fix the draws.
public struct DMARCSampler: Sendable {
    private let draw: @Sendable () -> Int

    /// A sampler whose draws come from `draw`; only the draw modulo 100 is used.
    public init(_ draw: @escaping @Sendable () -> Int) {
        self.draw = draw
    }

    /// Draws from the system's random number generator.
    public static let system = DMARCSampler { Int.random(in: 0..<100) }

    /// RFC 7489 §6.3: "if (random mod 100) < pct then selected = true".
    func selects(percent: Int) -> Bool {
        let value = draw() % 100
        return (value < 0 ? value + 100 : value) < percent
    }
}

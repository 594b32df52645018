import Foundation

// `make bench`: every benchmark, printed as figures and ratios against peers run side by side.
// Figures vary with the machine; compare runs on the same one.

print("dmarcd benchmarks (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
do {
    try await DNSBenchmark.run()
} catch {
    print("DNS benchmark failed: \(error)")
}
await SPFBenchmark.run()
await DKIMBenchmark.run()
await StoreBenchmark.run()

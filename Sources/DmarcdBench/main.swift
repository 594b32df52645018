import Foundation

// `make bench`: every benchmark, printed as figures and ratios against peers run side by side.
// Figures vary with the machine; compare runs on the same one.

if CommandLine.arguments.dropFirst().first == MilterBenchmark.namespaceArgument {
    do {
        try MilterBenchmark.runInNamespace()
    } catch {
        print("Milter benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}

// `DmarcdBench reports`: the aggregate report benchmark alone.
if CommandLine.arguments.dropFirst().first == ReportBenchmark.argument {
    await ReportBenchmark.run()
    exit(0)
}

print("dmarcd benchmarks (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
do {
    try await DNSBenchmark.run()
} catch {
    print("DNS benchmark failed: \(error)")
}
await SPFBenchmark.run()
await DKIMBenchmark.run()
MilterBenchmark.run()
await StoreBenchmark.run()
await ReportBenchmark.run()

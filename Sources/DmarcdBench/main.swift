import Foundation

// `make bench`: every benchmark, printed as figures and ratios against peers run side by side.
// Figures vary with the machine; compare runs on the same one.

// `DmarcdBench status-page [MESSAGES [SECONDS]]`: that benchmark alone, on fewer messages, and
// serving on afterwards for a look in a browser.
if CommandLine.arguments.dropFirst().first == "status-page" {
    let numbers = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    StatusPageBenchmark.run(messages: numbers.first ?? StatusPageBenchmark.defaultMessages,
                            keepFor: numbers.dropFirst().first ?? 0)
    exit(0)
}

if CommandLine.arguments.dropFirst().first == MilterBenchmark.namespaceArgument {
    do {
        try MilterBenchmark.runInNamespace()
    } catch {
        print("Milter benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}

// `DmarcdBench soak [MINUTES [MESSAGES_PER_SECOND]]`: an hour of steady load (not part of the
// run of every benchmark), sampled every minute.
if CommandLine.arguments.dropFirst().first == SoakBenchmark.argument {
    let numbers = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    SoakBenchmark.run(minutes: numbers.first ?? SoakBenchmark.defaultMinutes,
                      rate: numbers.dropFirst().first ?? SoakBenchmark.defaultRate)
    exit(0)
}

if CommandLine.arguments.dropFirst().first == SoakBenchmark.namespaceArgument {
    let numbers = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    do {
        try SoakBenchmark.runInNamespace(minutes: numbers[0], rate: numbers[1])
    } catch {
        print("Soak benchmark failed: \(error)")
        exit(1)
    }
    exit(0)
}

// `DmarcdBench reports`: the aggregate report benchmark alone.
if CommandLine.arguments.dropFirst().first == ReportBenchmark.argument {
    await ReportBenchmark.run()
    exit(0)
}

// `DmarcdBench dkim`: DKIM verification, signing and body hashing alone.
if CommandLine.arguments.dropFirst().first == "dkim" {
    await DKIMBenchmark.run()
    exit(0)
}

// `DmarcdBench store`: the history writer and import benchmark alone.
if CommandLine.arguments.dropFirst().first == "store" {
    await StoreBenchmark.run()
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
StatusPageBenchmark.run()

import Foundation

/// The fuzz targets of dmarcd, one executable built two ways.
///
/// Built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`), `main` hands the command line to
/// libFuzzer, which calls back with each input; the target is chosen by the environment variable
/// `DMARCD_FUZZ_TARGET`, because libFuzzer owns the command line.
///
/// Built plainly (as `swift build` builds every target), the same entry points run behind an
/// ordinary `main` that replays files: `DMARCD_FUZZ_TARGET=<target> DmarcdFuzz <file or folder>…`,
/// or, with neither, every target over its seeds in `Fuzz/corpus/<target>/`. That replays a crash
/// file without the fuzzer build, and lets `make test` check the seed corpora cheaply.
enum FuzzEntry {
    static let targetVariable = "DMARCD_FUZZ_TARGET"
    static let targetNames = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")

    /// The target named by the environment, or nil when none is named.
    static func namedTarget() -> FuzzTarget? {
        guard let name = ProcessInfo.processInfo.environment[targetVariable] else { return nil }
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("\(targetVariable)=\(name) names no target; the targets: \(targetNames)\n".utf8))
            exit(2)
        }
        return target
    }
}

@main
struct FuzzMain {
    static func main() {
        #if FUZZING
        fuzz()
        #else
        replay()
        #endif
    }
}

#if FUZZING
/// libFuzzer's own entry (in the runtime `-sanitize=fuzzer` links): it parses libFuzzer's flags
/// and calls back with each input. Called from our `main` rather than letting libFuzzer supply
/// `main`, because SwiftPM links every executable to the `main` of its own module.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

private let fuzzTarget: FuzzTarget = {
    guard let target = FuzzEntry.namedTarget() else {
        FileHandle.standardError.write(Data("set \(FuzzEntry.targetVariable) to one of: \(FuzzEntry.targetNames)\n".utf8))
        exit(2)
    }
    return target
}()

/// The callback libFuzzer runs each input through. Exported under libFuzzer's name too, because
/// the runtime's own `main`, unused here, refers to it and is linked in as well.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

extension FuzzMain {
    static func fuzz() {
        _ = fuzzTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzTestOneInput))
    }
}
#else
extension FuzzMain {
    static func replay() {
        let paths = Array(CommandLine.arguments.dropFirst())
        if let target = FuzzEntry.namedTarget() {
            let count = replay(target, paths.isEmpty ? ["Fuzz/corpus/\(target.rawValue)"] : paths)
            print("\(target.rawValue): \(count) inputs replayed")
        } else if paths.isEmpty {
            for target in FuzzTarget.allCases {
                let count = replay(target, ["Fuzz/corpus/\(target.rawValue)"])
                print("\(target.rawValue): \(count) inputs replayed")
            }
        } else {
            FileHandle.standardError.write(Data("name the target of these files in \(FuzzEntry.targetVariable)\n".utf8))
            exit(2)
        }
    }

    /// Runs every file named, or found in a folder named, through the target; the count of inputs.
    private static func replay(_ target: FuzzTarget, _ paths: [String]) -> Int {
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(file): cannot be read\n".utf8))
                    exit(1)
                }
                target.run(Array(bytes))
                count += 1
            }
        }
        return count
    }

    private static func files(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            FileHandle.standardError.write(Data("\(path): no such file or folder\n".utf8))
            exit(1)
        }
        guard isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") && $0 != "PROVENANCE.md" }.map { "\(path)/\($0)" }
    }
}
#endif

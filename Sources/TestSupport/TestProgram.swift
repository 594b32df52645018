import Foundation

/// Runs programs for tests and returns what they print.
public enum TestProgram {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// How a program ended and what it printed.
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: [UInt8]
        public var errors: String
    }

    /// Runs `arguments[0]` with the rest as arguments and `input` on stdin; throws unless it
    /// exits with 0.
    @discardableResult
    public static func run(_ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
        let outcome = try self.outcome(arguments, input: input)
        guard outcome.status == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.errors)")
        }
        return outcome.output
    }

    /// Runs `arguments[0]` with the rest as arguments and `input` on stdin, whatever its exit
    /// status.
    ///
    /// All three standard streams go through files: a pipe's write end can leak into a
    /// long-lived child that another test starts meanwhile (nsd), and then EOF never comes.
    public static func outcome(_ arguments: [String], input: [UInt8] = []) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory
        let files = ["in", "out", "err"].map { directory.appendingPathComponent("dmarcd-program-\($0)-\(UUID().uuidString)") }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        try Data(input).write(to: files[0])
        try Data().write(to: files[1])
        try Data().write(to: files[2])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardInput = try FileHandle(forReadingFrom: files[0])
        process.standardOutput = try FileHandle(forWritingTo: files[1])
        process.standardError = try FileHandle(forWritingTo: files[2])
        try process.run()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: Array(try Data(contentsOf: files[1])),
                       errors: (try? String(contentsOf: files[2], encoding: .utf8)) ?? "")
    }
}

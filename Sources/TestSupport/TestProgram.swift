import Foundation

/// Runs programs for tests and returns what they print.
public enum TestProgram {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Runs `arguments[0]` with the rest as arguments and `input` on stdin; throws unless it
    /// exits with 0.
    ///
    /// All three standard streams go through files: a pipe's write end can leak into a
    /// long-lived child that another test starts meanwhile (nsd), and then EOF never comes.
    @discardableResult
    public static func run(_ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
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
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOf: files[2], encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(errors)")
        }
        return Array(try Data(contentsOf: files[1]))
    }
}

import ArgumentParser
import Foundation
import HTTP

/// Prints the bcrypt hash of a password for `HTTPPasswordHash`, so that the configuration file
/// never holds the password itself.
struct PasswordHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password-hash",
        abstract: "Print the bcrypt hash of a password (read from standard input) for HTTPPasswordHash.")

    @Option(help: "bcrypt's cost: each step doubles the time a check takes.")
    var cost: Int = 12

    func run() throws {
        guard (4...31).contains(cost) else { throw ValidationError("--cost must be from 4 to 31") }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        print(PasswordHash.make(line, cost: cost))
    }
}

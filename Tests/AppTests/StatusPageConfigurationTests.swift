import Foundation
import Testing

@testable import App

/// Who may read the status page: HTTPListen, HTTPUser, HTTPPasswordHash, HTTPAllowUnauthenticated.
@Suite struct StatusPageConfigurationTests {
    static let hash = "$2b$10$CU7L/nTE2QZN7I6dgJMxW.yTTOohcWDotZ6evzQeQsXzbeM6brZ7m"

    /// Loads `lines` as a file the way the daemon does, with the checks across keys.
    private func load(_ lines: [String]) throws -> ConfigurationParser {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-http-\(UUID().uuidString).conf")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return ConfigurationParser.load(file: file.path)
    }

    @Test func theLoopbackNeedsNoPassword() throws {
        for address in ["127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.53:9000"] {
            #expect(try load(["HTTPListen \(address)"]).diagnostics.isEmpty, "\(address)")
        }
        #expect(try load(["HTTPListen none"]).configuration.httpListenAddress == nil)
    }

    @Test func anAddressOthersCanReachNeedsAPasswordOrAnExplicitYes() throws {
        let open = try load(["HTTPListen 0.0.0.0:8080"])
        #expect(open.hasErrors)
        #expect(open.diagnostics.map(\.message).first?.contains("reachable from other hosts") == true)
        #expect(open.diagnostics.first.map { "\($0)" }?.contains(":1:") == true, "names the HTTPListen line")
        #expect(try !load(["HTTPListen [2001:db8::1]:8080", "HTTPUser postmaster", "HTTPPasswordHash \(Self.hash)"]).hasErrors)
        #expect(try !load(["HTTPListen 0.0.0.0:8080", "HTTPAllowUnauthenticated yes"]).hasErrors)
    }

    @Test func userAndHashGoTogether() throws {
        #expect(try load(["HTTPUser postmaster"]).diagnostics.map(\.message)
                == ["HTTPUser and HTTPPasswordHash go together: set both or neither"])
        #expect(try load(["HTTPPasswordHash \(Self.hash)"]).hasErrors)
    }

    @Test(arguments: ["secret", "$2b$10$short", "$1$abc$def", "$2b$1$CU7L/nTE2QZN7I6dgJMxW.yTTOohcWDotZ6evzQeQsXzbeM6brZ7m"])
    func aPasswordInsteadOfAHashIsRefused(value: String) throws {
        let result = try load(["HTTPUser postmaster", "HTTPPasswordHash \(value)"])
        #expect(result.diagnostics.map(\.message).contains { $0.hasPrefix("HTTPPasswordHash: is not a bcrypt hash") })
    }
}

import Foundation

/// GET requests through curl, a real HTTP client, to servers under test on 127.0.0.1.
public enum HTTPTestClient {
    public struct Answer: Sendable {
        public var status: Int
        /// Header names lower-cased; of a repeated header the last.
        public var headers: [String: String]
        public var body: String
    }

    public static func get(_ url: String, user: String? = nil, password: String? = nil) throws -> Answer {
        let directory = FileManager.default.temporaryDirectory
        let headerFile = directory.appendingPathComponent("dmarcd-http-headers-\(UUID().uuidString)")
        let bodyFile = directory.appendingPathComponent("dmarcd-http-body-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: headerFile)
            try? FileManager.default.removeItem(at: bodyFile)
        }
        var arguments = ["/usr/bin/curl", "-s", "--max-time", "30", "-D", headerFile.path, "-o", bodyFile.path,
                         "-w", "%{http_code}"]
        if let user { arguments += ["-u", "\(user):\(password ?? "")"] }
        let status = String(decoding: try TestProgram.run(arguments + [url]), as: UTF8.self)
        var headers: [String: String] = [:]
        for line in ((try? String(contentsOf: headerFile, encoding: .utf8)) ?? "").split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: Int(status) ?? 0, headers: headers,
                      body: (try? String(contentsOf: bodyFile, encoding: .utf8)) ?? "")
    }

    /// The body of a 200 answer, byte for byte.
    public static func getBytes(_ url: String) throws -> Data {
        Data(try TestProgram.run(["/usr/bin/curl", "-s", "-f", "--max-time", "30", url]))
    }

    /// Asks `url` until it answers at all, for up to `timeout` seconds.
    public static func waitUntilAnswering(_ url: String, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let answer = try? get(url), answer.status != 0 { return }
            usleep(50_000)
        }
        throw TestProgram.Failure(description: "\(url) did not answer within \(Int(timeout)) s")
    }
}

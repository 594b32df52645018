import DNS
import Foundation

/// A real authoritative DNS server (nsd) on 127.0.0.1 and a free port, serving zones written by
/// a test, for tests of code that talks to DNS over the network. Stopped by ``stop()`` or when
/// the value is released.
public final class DNSTestServer: @unchecked Sendable {
    /// One zone: its name and its records in master-file form (relative names are below the
    /// zone). The server adds the SOA and NS records itself.
    public struct Zone: Sendable {
        public var name: String
        public var records: String

        public init(_ name: String, records: String) {
            self.name = name
            self.records = records
        }

        /// `text` as TXT rdata in master-file form: quoted character-strings of at most 255
        /// bytes (RFC 1035 §3.3.14), for values like DKIM keys that are longer.
        public static func quotedStrings(_ text: String) -> String {
            let bytes = Array(text.utf8)
            return stride(from: 0, to: bytes.count, by: 255).map {
                "\"" + String(decoding: bytes[$0..<min($0 + 255, bytes.count)], as: UTF8.self) + "\""
            }.joined(separator: " ")
        }
    }

    public let port: UInt16
    /// The server as libunbound names a forwarder: `127.0.0.1@PORT`.
    public var forwarder: String { "127.0.0.1@\(port)" }

    private let process: ChildProcess
    private let directory: URL

    /// Starts nsd serving `zones` on `port`, or on a free port when it is nil. Each name in
    /// `failingZones` is configured without data, so nsd answers SERVFAIL for every query below it.
    public init(zones: [Zone], failingZones: [String] = [], port fixedPort: UInt16? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-nsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try fixedPort ?? FreePort.udpAndTCP()

        var configuration = """
            server:
              ip-address: 127.0.0.1
              port: \(port)
              username: ""
              zonesdir: "\(directory.path)"
              database: ""
              pidfile: "\(directory.path)/nsd.pid"
              xfrdfile: "\(directory.path)/xfrd.state"
              xfrdir: "\(directory.path)"
              zonelistfile: "\(directory.path)/zone.list"
              logfile: "\(directory.path)/nsd.log"
              server-count: 1
              hide-version: yes
            remote-control:
              control-enable: no

            """
        for zone in zones {
            let file = "\(zone.name).zone"
            let text = """
                $ORIGIN \(zone.name).
                $TTL 300
                @ IN SOA ns.\(zone.name). hostmaster.\(zone.name). 1 3600 600 86400 300
                @ IN NS ns.\(zone.name).
                ns IN A 127.0.0.1
                \(zone.records)

                """
            try text.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
            configuration += "zone:\n  name: \(zone.name)\n  zonefile: \"\(file)\"\n"
        }
        for zone in failingZones {
            configuration += "zone:\n  name: \(zone)\n  zonefile: \"missing-\(zone).zone\"\n"
        }
        let configurationFile = directory.appendingPathComponent("nsd.conf")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)

        process = try ChildProcess("/usr/sbin/nsd", ["-d", "-c", configurationFile.path],
                                   logFile: directory.appendingPathComponent("nsd.out").path)
        try waitUntilAnswering(zone: zones.first?.name ?? failingZones.first ?? ".")
    }

    deinit {
        stop()
    }

    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What nsd logged, for a failing test's message.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("nsd.log"), encoding: .utf8)) ?? ""
    }

    private func waitUntilAnswering(zone: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                throw TestServerError(description: "nsd exited: \(log)")
            }
            if DNSProbe.answers(port: port, name: zone) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestServerError(description: "nsd did not answer on port \(port) within 10 s: \(log)")
    }
}

/// A UDP socket on 127.0.0.1 that takes queries and never answers: a dead DNS server.
public final class SilentDNSServer: @unchecked Sendable {
    public let port: UInt16
    private let socket: Int32

    public var forwarder: String { "127.0.0.1@\(port)" }

    public init() throws {
        (socket, port) = try FreePort.boundUDPSocket()
    }

    deinit {
        close(socket)
    }
}

/// A test server could not be started; the text says why.
public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
}

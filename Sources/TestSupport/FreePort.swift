import Foundation

/// Free ports on 127.0.0.1 for servers started by tests.
public enum FreePort {
    /// A port that is free for both UDP and TCP at the moment of the call.
    public static func udpAndTCP() throws -> UInt16 {
        for _ in 0..<50 {
            let (udp, port) = try boundUDPSocket()
            defer { close(udp) }
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            var address = loopback(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(tcp, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw TestServerError(description: "no free port on 127.0.0.1")
    }

    /// A UDP socket bound to 127.0.0.1 on a port the kernel chose, and that port.
    public static func boundUDPSocket() throws -> (Int32, UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 ? getsockname(descriptor, pointer, &length) : -1
            }
        }
        guard descriptor >= 0, status == 0 else {
            close(descriptor)
            throw TestServerError(description: "cannot bind a UDP socket on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    /// A TCP socket listening on 127.0.0.1 and a free port, and the port: the kernel completes
    /// connections into its backlog, which is all a check that something listens needs.
    public static func listeningTCPSocket() throws -> (Int32, UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, status else {
            close(descriptor)
            throw TestServerError(description: "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    public static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// DNS messages over UDP to a test server on 127.0.0.1.
enum DNSProbe {
    /// Sends one SOA query to see whether a test server is up yet.
    static func answers(port: UInt16, name: String) -> Bool {
        // Header: id 0x6464, no flags, one question; then QNAME, QTYPE SOA (6), QCLASS IN (1).
        var query: [UInt8] = [0x64, 0x64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            query.append(UInt8(label.utf8.count))
            query.append(contentsOf: label.utf8)
        }
        query += [0, 0, 6, 0, 1]
        guard let reply = exchange(query, port: port, timeout: timeval(tv_sec: 0, tv_usec: 200_000)) else { return false }
        return reply.count >= 12 && reply[0] == 0x64 && reply[1] == 0x64
    }

    /// Sends `message` and returns the first datagram that comes back within `timeout`, or nil.
    static func exchange(_ message: [UInt8], port: UInt16, timeout: timeval) -> [UInt8]? {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeout
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = FreePort.loopback(port: port)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == message.count else { return nil }
        var reply = [UInt8](repeating: 0, count: 65_535)
        let count = recv(descriptor, &reply, reply.count, 0)
        return count > 0 ? Array(reply[0..<count]) : nil
    }
}

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

/// Sends one SOA query over UDP to see whether a test server is up yet.
enum DNSProbe {
    static func answers(port: UInt16, name: String) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Header: id 0x6464, no flags, one question; then QNAME, QTYPE SOA (6), QCLASS IN (1).
        var query: [UInt8] = [0x64, 0x64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            query.append(UInt8(label.utf8.count))
            query.append(contentsOf: label.utf8)
        }
        query += [0, 0, 6, 0, 1]
        var address = FreePort.loopback(port: port)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return false }
        var reply = [UInt8](repeating: 0, count: 512)
        return recv(descriptor, &reply, reply.count, 0) >= 12 && reply[0] == 0x64 && reply[1] == 0x64
    }
}

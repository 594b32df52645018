#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Tells systemd how the daemon is doing (`Type=notify`): READY=1 once every listener is up,
/// RELOADING=1 and READY=1 around a SIGHUP reload, STOPPING=1 when shutdown begins. The
/// messages are datagrams to the socket named in `NOTIFY_SOCKET` (sd_notify(3)); without that
/// variable, as when run by hand, nothing is sent.
struct SystemdNotifier: Sendable {
    /// The socket path; a leading `@` names an abstract socket (sd_notify(3)).
    let socketPath: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func ready(status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    /// Reloading, with the monotonic time systemd needs for `Type=notify-reload`.
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    func stopping() {
        send("STOPPING=1")
    }

    /// One datagram; failures are ignored, as systemd then only misses a state change.
    private func send(_ message: String) {
        guard let socketPath else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let isAbstract = path.first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 }
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // An abstract name's length is exact; a path's includes its terminating NUL.
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + path.count + (isAbstract ? 0 : 1)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Why a UNIX-domain socket path cannot be listened on.
public struct UnixSocketPathError: Error, CustomStringConvertible {
    public var description: String
}

/// The checks before a `local:` socket file left by an earlier run is replaced.
enum UnixSocketPath {
    /// Throws when `path` holds something other than a socket, or a socket that a running process
    /// still answers on (a second dmarcd would otherwise take Postfix's connections from the
    /// first without a word). A socket nobody answers on is stale and may be replaced.
    static func checkReplaceable(_ path: String) throws(UnixSocketPathError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw UnixSocketPathError(description: "\(path) exists and is not a socket; remove it or choose another path")
        }
        if isAnswered(path) {
            throw UnixSocketPathError(description: "another process is listening on \(path); stop it or choose another path")
        }
    }

    private static func isAnswered(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

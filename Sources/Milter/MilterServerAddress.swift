/// Where ``MilterServer`` listens.
public enum MilterServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// TCP over IPv4 on `host`, or on every interface when nil.
    case inet(host: String?, port: Int)
    /// TCP over IPv6 on `host`, or on every interface when nil.
    case inet6(host: String?, port: Int)
    /// A UNIX-domain socket; a file left at `path` by an earlier run is removed first.
    case unix(path: String)

    /// libmilter's notation, e.g. `inet:8893@127.0.0.1`.
    public var description: String {
        switch self {
        case .inet(let host, let port): "inet:\(port)@\(host ?? "0.0.0.0")"
        case .inet6(let host, let port): "inet6:\(port)@\(host ?? "::")"
        case .unix(let path): "unix:\(path)"
        }
    }
}

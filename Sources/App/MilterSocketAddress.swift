import DNS

/// Where the milter listens for Postfix, in the notation of `opendmarc.conf` and libmilter:
/// `inet:PORT@HOST`, `inet:PORT` (every IPv4 interface), `inet6:PORT@HOST`, `inet6:PORT`,
/// `local:PATH` or `unix:PATH`. A host may be a name or an address, the address optionally in
/// square brackets as sendmail writes it.
public enum MilterSocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// TCP over IPv4 on `host` (a name or an IPv4 address), or on every interface when `nil`.
    case inet(host: String?, port: UInt16)
    /// TCP over IPv6 on `host` (a name or an IPv6 address), or on every interface when `nil`.
    case inet6(host: String?, port: UInt16)
    /// A UNIX-domain socket at this path (`local:` and `unix:` mean the same).
    case unix(path: String)

    /// Reads the `Socket` notation.
    init(parsing text: String) throws(ConfigurationValueError) {
        let usage = "use inet:PORT@HOST, inet6:PORT@HOST or local:PATH"
        guard let colon = text.firstIndex(of: ":") else {
            throw ConfigurationValueError("\"\(text)\" is not a socket; \(usage)")
        }
        let scheme = text[..<colon].lowercased()
        let rest = String(text[text.index(after: colon)...])
        switch scheme {
        case "local", "unix":
            guard !rest.isEmpty else { throw ConfigurationValueError("\"\(text)\" has no path after \(scheme):") }
            self = .unix(path: rest)
        case "inet", "inet6":
            let isIPv6 = scheme == "inet6"
            let parts = rest.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard let port = UInt16(parts[0]), port > 0 else {
                throw ConfigurationValueError("\"\(parts[0])\" in \"\(text)\" is not a port number from 1 to 65535")
            }
            let host = try parts.count == 2 ? Self.host(String(parts[1]), isIPv6: isIPv6, in: text) : nil
            self = isIPv6 ? .inet6(host: host, port: port) : .inet(host: host, port: port)
        default:
            throw ConfigurationValueError("\"\(scheme):\" in \"\(text)\" is not a socket type; \(usage)")
        }
    }

    private static func host(
        _ written: String, isIPv6: Bool, in text: String
    ) throws(ConfigurationValueError) -> String {
        var host = written
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty else { throw ConfigurationValueError("\"\(text)\" has no host after @") }
        if let address = IPAddress(host) {
            guard address.isIPv4 != isIPv6 else {
                throw ConfigurationValueError(isIPv6
                    ? "\"\(text)\": inet6: needs an IPv6 address; use inet: for \(host)"
                    : "\"\(text)\": inet: needs an IPv4 address; use inet6: for \(host)")
            }
            return host
        }
        guard host.isHostName else {
            throw ConfigurationValueError("\"\(host)\" in \"\(text)\" is not a host name or IP address")
        }
        return host
    }

    /// The `Socket` notation, which reads back to the same address.
    public var description: String {
        switch self {
        case .inet(let host, let port): "inet:\(port)" + (host.map { "@\($0)" } ?? "")
        case .inet6(let host, let port): "inet6:\(port)" + (host.map { "@\($0)" } ?? "")
        case .unix(let path): "local:\(path)"
        }
    }
}

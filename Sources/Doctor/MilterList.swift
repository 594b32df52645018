/// Postfix's milter lists (postconf(5) `smtpd_milters`, MILTER_README "Milter applications"):
/// entries separated by commas or white space, an entry optionally in braces with settings
/// after its address: `{ inet:127.0.0.1:8893, default_action = accept }`.
enum MilterList {
    /// The addresses in `value`, in order.
    static func entries(_ value: String) -> [String] {
        var entries: [String] = []
        var rest = Substring(value)
        while let start = rest.firstIndex(where: { !($0 == "," || $0 == " " || $0 == "\t") }) {
            rest = rest[start...]
            if rest.first == "{" {
                let close = rest.firstIndex(of: "}") ?? rest.endIndex
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if let address = inside.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).first {
                    entries.append(String(address))
                }
                rest = close == rest.endIndex ? rest[close...] : rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(where: { $0 == "," || $0 == " " || $0 == "\t" }) ?? rest.endIndex
                entries.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
        return entries
    }

    /// True when the Postfix entry `listed` reaches the socket `ours` (both in Postfix's
    /// notation): `localhost` is the loopback address, and a relative `unix:` path in Postfix is
    /// below its queue directory, so only its tail can be compared.
    static func same(_ listed: String, _ ours: String) -> Bool {
        let (listedKind, listedAddress) = split(listed)
        let (ourKind, ourAddress) = split(ours)
        switch (listedKind, ourKind) {
        case ("inet", "inet"):
            return endpoint(listedAddress) == endpoint(ourAddress)
        case ("unix", "unix"):
            if listedAddress == ourAddress { return true }
            return !listedAddress.hasPrefix("/") && ourAddress.hasSuffix("/" + listedAddress)
        default:
            return false
        }
    }

    /// Where a connection to `entry` goes: a TCP host and port, or a UNIX-domain socket path;
    /// nil for an entry that is neither.
    static func endpoint(of entry: String) -> (host: String, port: UInt16)? {
        let (kind, address) = split(entry)
        guard kind == "inet" else { return nil }
        let hostAndPort = endpoint(address)
        guard let colon = hostAndPort.lastIndex(of: ":"),
              let port = UInt16(hostAndPort[hostAndPort.index(after: colon)...]) else { return nil }
        return (String(hostAndPort[..<colon]), port)
    }

    /// The path of a `unix:` or `local:` entry.
    static func unixPath(of entry: String) -> String? {
        let (kind, address) = split(entry)
        return kind == "unix" ? address : nil
    }

    private static func split(_ entry: String) -> (kind: String, address: String) {
        guard let colon = entry.firstIndex(of: ":") else { return ("unix", entry) }
        var kind = entry[..<colon].lowercased()
        if kind == "local" { kind = "unix" }
        return (kind, String(entry[entry.index(after: colon)...]))
    }

    /// `host:port`, `[v6]:port`, or a bare `port` (Postfix then connects to localhost).
    private static func endpoint(_ address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return "127.0.0.1:\(address)" }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.lowercased() == "localhost" { host = "127.0.0.1" }
        return "\(host.lowercased()):\(address[address.index(after: colon)...])"
    }
}

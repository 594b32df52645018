import Foundation

/// The system's resolver settings, as the production default for ``UnboundResolver``.
public enum ResolvConf {
    /// The `nameserver` addresses of a resolv.conf file (resolv.conf(5)), in file order.
    /// A missing or unreadable file gives none.
    public static func nameservers(path: String = "/etc/resolv.conf") -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return parseNameservers(text)
    }

    package static func parseNameservers(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            // A link-local scope (fe80::1%eth0) is not something libunbound takes.
            let address = fields[1].split(separator: "%").first.map(String.init) ?? ""
            return IPAddress(address) == nil ? nil : address
        }
    }
}

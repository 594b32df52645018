import DNS

extension Configuration {
    /// A TCP address to listen on, written `HOST:PORT`, with an IPv6 address in brackets
    /// (`[::1]:8080`) as in URLs (RFC 3986 §3.2.2).
    public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
        /// A host name, an IPv4 address or an IPv6 address (without brackets).
        public var host: String
        /// The TCP port, 1 to 65535.
        public var port: UInt16

        /// An address from its parts; `host` is written without brackets.
        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }

        /// Reads `HOST:PORT` or `[IPV6]:PORT`.
        init(parsing text: String) throws(ConfigurationValueError) {
            let host: String
            let portText: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else {
                    throw ConfigurationValueError("\"\(text)\" is not [IPV6]:PORT")
                }
                host = String(text[text.index(after: text.startIndex)..<close])
                portText = text[text.index(close, offsetBy: 2)...]
                guard let address = IPAddress(host), !address.isIPv4 else {
                    throw ConfigurationValueError("\"\(host)\" in \"\(text)\" is not an IPv6 address")
                }
            } else {
                guard let colon = text.lastIndex(of: ":") else {
                    throw ConfigurationValueError("\"\(text)\" is not HOST:PORT, like 127.0.0.1:8080")
                }
                host = String(text[..<colon])
                portText = text[text.index(after: colon)...]
                guard !host.contains(":") else {
                    throw ConfigurationValueError("\"\(text)\": write an IPv6 address in brackets, like [::1]:8080")
                }
                guard IPAddress(host) != nil || host.isHostName else {
                    throw ConfigurationValueError("\"\(host)\" in \"\(text)\" is not a host name or IP address")
                }
            }
            guard let port = UInt16(portText), port > 0 else {
                throw ConfigurationValueError("\"\(portText)\" in \"\(text)\" is not a port number from 1 to 65535")
            }
            self.init(host: host, port: port)
        }

        /// True for `localhost` and the loopback addresses, which only this host can reach.
        public var isLoopback: Bool {
            if host.lowercased() == "localhost" { return true }
            return IPAddress(host)?.isLoopback ?? false
        }

        /// `HOST:PORT`, with brackets around an IPv6 address.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

extension ConfigurationValueSyntax where Value == Configuration.ListenAddress? {
    /// `HOST:PORT`, `[IPV6]:PORT`, or `none` for no listener at all.
    static var listenAddressOrNone: Self {
        Self(form: "HOST:PORT, [IPV6]:PORT or none", parse: { text, _ throws(ConfigurationValueError) in
            text.lowercased() == "none" ? nil : try Configuration.ListenAddress(parsing: text)
        }, format: { $0?.description ?? "none" })
    }
}

extension ConfigurationValueSyntax where Value == String {
    /// A bcrypt hash as crypt(3) writes it: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, and 53
    /// characters of salt and hash.
    static var bcryptHash: Self {
        Self(form: "bcrypt hash ($2b$12$...)", parse: { text, _ throws(ConfigurationValueError) in
            let parts = text.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0].isEmpty, ["2a", "2b", "2y"].contains(parts[1]),
                  let cost = Int(parts[2]), (4...31).contains(cost), parts[2].count == 2, parts[3].count == 53,
                  parts[3].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "/") })
            else {
                throw ConfigurationValueError("is not a bcrypt hash like $2b$12$ and 53 more characters; dmarcd password-hash makes one")
            }
            return text
        }, format: { $0 })
    }
}

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

        /// `HOST:PORT`, with brackets around an IPv6 address.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

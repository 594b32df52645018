import DNS

extension Configuration {
    /// A DNS server to send queries to, written `IP` or `IP@PORT`: the notation libunbound's
    /// forwarder setting takes, which keeps an IPv6 address free of brackets.
    public struct Nameserver: Sendable, Hashable, CustomStringConvertible {
        /// The DNS port, left out when the server is written.
        public static let defaultPort: UInt16 = 53

        /// The server's IPv4 or IPv6 address.
        public var address: IPAddress
        /// The UDP and TCP port the server answers on.
        public var port: UInt16

        /// A server from its address, on port 53 unless another is given.
        public init(address: IPAddress, port: UInt16 = Nameserver.defaultPort) {
            self.address = address
            self.port = port
        }

        /// Reads `IP` or `IP@PORT`.
        init(parsing text: String) throws(ConfigurationValueError) {
            let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(parts[0]) else {
                throw ConfigurationValueError("\"\(parts[0])\" is not an IP address; a name server is IP or IP@PORT")
            }
            var port = Self.defaultPort
            if parts.count == 2 {
                guard let number = UInt16(parts[1]), number > 0 else {
                    throw ConfigurationValueError("\"\(parts[1])\" in \"\(text)\" is not a port number from 1 to 65535")
                }
                port = number
            }
            self.init(address: address, port: port)
        }

        /// `IP`, or `IP@PORT` when the port is not 53.
        public var description: String {
            port == Self.defaultPort ? "\(address)" : "\(address)@\(port)"
        }
    }
}

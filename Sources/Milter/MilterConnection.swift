import DNS

/// What a filter knows about the SMTP client of a milter connection.
public struct MilterConnection: Sendable, Hashable {
    /// The client's host name as the MTA resolved it (`[192.0.2.1]` when it has none).
    public var hostname: String
    /// The client's address as the MTA reported it in SMFIC_CONNECT.
    public var address: MilterClientAddress
    /// The HELO or EHLO argument, empty until the client sent one.
    public var helo: String = ""
    /// Macros sent for SMFIC_CONNECT and SMFIC_HELO (`j`, `{daemon_name}`, `{client_addr}`…).
    public var macros: [String: String] = [:]
    /// True when header values arrive with their leading space and added fields are written as
    /// given (SMFIP_HDR_LEADSPC was negotiated).
    public var headerLeadingSpace: Bool

    /// A connection from `address`.
    public init(hostname: String, address: MilterClientAddress, headerLeadingSpace: Bool) {
        self.hostname = hostname
        self.address = address
        self.headerLeadingSpace = headerLeadingSpace
    }

    /// The client's IP address, or nil when the MTA did not report one (local submission).
    public var clientIP: IPAddress? {
        switch address {
        case .ipv4(let text, _): IPAddress(text)
        // Sendmail writes IPv6 clients in the RFC 5321 §4.1.3 literal form `IPv6:2001:db8::1`.
        case .ipv6(let text, _): IPAddress(text.lowercased().hasPrefix("ipv6:") ? text.dropFirst(5) : text[...])
        case .unixSocket, .unknown: nil
        }
    }
}

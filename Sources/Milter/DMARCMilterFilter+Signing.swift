import Auth
import Foundation

extension DMARCMilterFilter {
    /// A message the filter signs or checks.
    public enum Message: MilterFilteredMessage {
        /// Outgoing mail from our own users: signed, not checked.
        case signed(OutgoingMessageSigner)
        /// Everything else: checked, as without signing keys.
        case checked(CheckedMessage)

        public mutating func recipient(_ address: String) {
            update(signed: { _ in }, checked: { $0.recipient(address) })
        }

        public mutating func header(name: String, value: [UInt8]) {
            update(signed: { $0.header(name: name, value: value) }, checked: { $0.header(name: name, value: value) })
        }

        public mutating func endOfHeaders() {
            update(signed: { $0.endOfHeaders() }, checked: { $0.endOfHeaders() })
        }

        public mutating func body(_ chunk: [UInt8]) {
            update(signed: { $0.body(chunk) }, checked: { $0.body(chunk) })
        }

        /// Changes the message in place. The payload is taken out of `self`, not copied: a copy
        /// would share its arrays with `self`, and adding a header field or a body chunk to them
        /// would copy them first.
        private mutating func update(signed: (inout OutgoingMessageSigner) -> Void,
                                     checked: (inout CheckedMessage) -> Void) {
            switch consume self {
            case .signed(var message):
                signed(&message)
                self = .signed(message)
            case .checked(var message):
                checked(&message)
                self = .checked(message)
            }
        }

        public func abandon() {
            if case .checked(let message) = self { message.abandon() }
        }

        public mutating func finish(macros: [String: String]) async -> [MilterReply] {
            switch consume self {
            case .signed(var message):
                let replies = message.finish(macros: macros)
                self = .signed(message)
                return replies
            case .checked(var message):
                let replies = await message.finish(macros: macros)
                self = .checked(message)
                return replies
            }
        }
    }

    /// True for clients whose mail is ours to sign: those in ``MilterFilterSettings/internalNetworks``
    /// or ``MilterFilterSettings/internalHostNames``, and local submission.
    func isInternal(_ connection: MilterConnection, settings: MilterFilterSettings) -> Bool {
        guard let ip = connection.clientIP else { return true }
        return isLocalSubmission(connection)
            || settings.internalNetworks.contains { $0.contains(ip) }
            || settings.internalHostNames.contains(connection.hostname.lowercased())
    }

    /// True for mail that no SMTP client sent. Postfix's cleanup(8) presents mail from
    /// `non_smtpd_milters` (sendmail(1), through postdrop and pickup) as client `localhost` at
    /// 127.0.0.1, or ::1 when `inet_protocols` lists IPv6 first, from port 0, which no TCP client
    /// connects from; an MTA that reports no address at all means local mail too.
    func isLocalSubmission(_ connection: MilterConnection) -> Bool {
        switch connection.address {
        case .unixSocket, .unknown:
            true
        case .ipv4(_, let port), .ipv6(_, let port):
            port == 0 && connection.hostname.lowercased() == "localhost"
                && MilterFilterSettings.loopback.contains { network in connection.clientIP.map { network.contains($0) } == true }
        }
    }

    /// The signing path for a message when signing keys are set and the client is internal or
    /// logged in with SMTP AUTH (macro `{auth_authen}`); nil to check the message instead.
    func signingMessage(connection: MilterConnection, envelope: MilterEnvelope,
                        settings: MilterFilterSettings) -> OutgoingMessageSigner? {
        guard !settings.signingKeys.isEmpty else { return nil }
        let reason: String
        if let user = envelope.macros["{auth_authen}"], !user.isEmpty {
            reason = "authenticated as \(user)"
        } else if isInternal(connection, settings: settings) {
            reason = isLocalSubmission(connection) ? "local submission" : "internal host"
        } else {
            return nil
        }
        return OutgoingMessageSigner(keys: settings.signingKeys, logger: logger,
                                     client: connection.clientIP.map { "\($0)" } ?? connection.address.description,
                                     headerLeadingSpace: connection.headerLeadingSpace, queueID: envelope.macros["i"],
                                     reason: reason)
    }
}

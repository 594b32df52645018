import Foundation

/// An MTA for milter tests: connects to a milter over TCP or a UNIX-domain socket, negotiates
/// the way Postfix 3.x does (protocol 6, all actions, all protocol flags offered), and sends a
/// message's events the way Postfix does: macros before the event they belong to, header
/// fields one by one with folds as bare LF, the body in chunks of at most 65,535 bytes.
///
/// It speaks frames only (a 32-bit length, a command byte, the payload), so that tests decode
/// the replies with the codec under test. The socket is non-blocking and waits by sleeping, so
/// a test never holds a thread of the cooperative pool while the milter works.
public final class MilterTestClient {
    /// One frame from the milter.
    public struct Frame: Sendable, Hashable {
        /// The reply code, e.g. `c` for continue.
        public var code: UInt8
        /// What follows the code.
        public var payload: [UInt8]
    }

    /// What Postfix offers in SMFIC_OPTNEG (see the decoded session trace in the corpus).
    public static let postfixOffer: (version: UInt32, actions: UInt32, flags: UInt32) = (6, 0x1ff, 0x1f_ffff)

    private let descriptor: Int32
    private var received: [UInt8] = []
    /// The protocol flags the milter asked for, after ``negotiate()``.
    public private(set) var protocolFlags: UInt32 = 0
    /// How long to wait for a reply before failing.
    public var timeout: Duration = .seconds(10)

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Connects to a milter on 127.0.0.1 (or another IPv4 or IPv6 address) and `port`.
    public static func connect(host: String = "127.0.0.1", port: Int) throws -> MilterTestClient {
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
                throw TestServerError(description: "\(host) is not an IPv6 address")
            }
            return try connect(family: AF_INET6, address: &address, length: MemoryLayout<sockaddr_in6>.size,
                               to: "[\(host)]:\(port)")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw TestServerError(description: "\(host) is not an IPv4 address")
        }
        return try connect(family: AF_INET, address: &address, length: MemoryLayout<sockaddr_in>.size, to: "\(host):\(port)")
    }

    /// Connects to a milter on a UNIX-domain socket.
    public static func connect(unixPath path: String) throws -> MilterTestClient {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw TestServerError(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return try connect(family: AF_UNIX, address: &address, length: MemoryLayout<sockaddr_un>.size, to: path)
    }

    private static func connect<Address>(
        family: Int32, address: inout Address, length: Int, to name: String
    ) throws -> MilterTestClient {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestServerError(description: "socket(): \(String(cString: strerror(errno)))") }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(descriptor, $0, socklen_t(length)) }
        }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw TestServerError(description: "cannot connect to \(name): \(reason)")
        }
        return MilterTestClient(descriptor: descriptor)
    }

    /// Sends one frame.
    public func send(_ code: Character, _ payload: [UInt8] = []) async throws {
        var frame = Self.uint32(UInt32(1 + payload.count))
        frame.append(code.asciiValue!)
        frame += payload
        var offset = 0
        let deadline = ContinuousClock.now + timeout
        while offset < frame.count {
            let sent = frame[offset...].withUnsafeBytes { systemSend(descriptor, $0.baseAddress, $0.count) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            } else {
                throw TestServerError(description: "send to the milter failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Sends SMFIC_MACRO for the command `code`.
    public func sendMacros(for code: Character, _ macros: KeyValuePairs<String, String>) async throws {
        var payload = [code.asciiValue!]
        for (name, value) in macros { payload += Self.cString(name) + Self.cString(value) }
        try await send("D", payload)
    }

    /// The next frame from the milter; throws when none comes within ``timeout`` or the milter
    /// closes the connection.
    public func receive() async throws -> Frame {
        let deadline = ContinuousClock.now + timeout
        while true {
            if received.count >= 5 {
                let length = Int(received[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                if received.count >= 4 + length {
                    let frame = Frame(code: received[4], payload: Array(received[5..<(4 + length)]))
                    received.removeFirst(4 + length)
                    return frame
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { systemReceive(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                received += chunk[0..<count]
            } else if count == 0 {
                throw MilterTestClientError.closedByMilter
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            } else {
                throw TestServerError(description: "no reply from the milter: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// True when the milter has closed the connection (waits up to ``timeout`` for it).
    public func isClosedByMilter() async throws -> Bool {
        do {
            _ = try await receive()
            return false
        } catch MilterTestClientError.closedByMilter {
            return true
        }
    }

    /// Sends Postfix's SMFIC_OPTNEG and returns the milter's answer: version, actions, flags.
    @discardableResult
    public func negotiate() async throws -> (version: UInt32, actions: UInt32, flags: UInt32) {
        let offer = Self.postfixOffer
        try await send("O", Self.uint32(offer.version) + Self.uint32(offer.actions) + Self.uint32(offer.flags))
        let reply = try await receive()
        guard reply.code == UInt8(ascii: "O"), reply.payload.count >= 12 else {
            throw TestServerError(description: "the milter answered option negotiation with \(reply)")
        }
        let numbers = stride(from: 0, to: 12, by: 4).map { start in
            reply.payload[start..<(start + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        protocolFlags = numbers[2]
        return (numbers[0], numbers[1], numbers[2])
    }

    /// The SMTP session Postfix would report for a message.
    public struct Envelope: Sendable {
        /// The SMTP client's address, sent in SMFIC_CONNECT.
        public var clientIP: String
        /// The EHLO argument.
        public var helo: String
        /// The MAIL FROM address in angle brackets.
        public var sender: String
        /// The one RCPT TO address in angle brackets.
        public var recipient: String
        /// The queue id, sent as macro `i` with the end of the message.
        public var queueID: String
        /// The SMTP AUTH user name, sent as `{auth_authen}` with MAIL.
        public var authenticatedUser: String?

        /// An envelope from `clientIP` (IPv4 or IPv6).
        public init(clientIP: String, helo: String, sender: String, recipient: String = "<postmaster@mx.example.test>",
                    queueID: String = "4ABC123DEF", authenticatedUser: String? = nil) {
            self.clientIP = clientIP
            self.helo = helo
            self.sender = sender
            self.recipient = recipient
            self.queueID = queueID
            self.authenticatedUser = authenticatedUser
        }
    }

    /// Sends SMFIC_CONNECT and SMFIC_HELO (with Postfix's macros) and returns the replies the
    /// milter sent to them.
    public func connectSession(_ envelope: Envelope) async throws -> [Frame] {
        var replies: [Frame] = []
        try await sendMacros(for: "C", ["j": "mx.example.test", "{daemon_name}": "smtpd", "{client_addr}": envelope.clientIP])
        let family: Character = envelope.clientIP.contains(":") ? "6" : "4"
        try await send("C", Self.cString("client.example") + [family.asciiValue!] + [0x30, 0x39] + Self.cString(envelope.clientIP))
        if expectsReply(toFlag: 0x1000) { replies.append(try await receive()) }
        if replies.last.map(Self.endsEvent) == true { return replies }
        try await send("H", Self.cString(envelope.helo))
        if expectsReply(toFlag: 0x2000) { replies.append(try await receive()) }
        return replies
    }

    /// Sends one message the way Postfix does, MAIL to end of message, and returns every reply
    /// the milter sent from MAIL on. It stops early when the milter accepts or rejects before
    /// the end.
    public func sendMessage(_ message: [UInt8], envelope: Envelope) async throws -> [Frame] {
        var replies: [Frame] = []
        /// Sends one event and collects its reply unless `noReplyFlag` was negotiated; true
        /// when that reply ends the message (anything but continue).
        func event(_ code: Character, _ payload: [UInt8], noReplyFlag: UInt32?) async throws -> Bool {
            try await send(code, payload)
            guard let noReplyFlag, expectsReply(toFlag: noReplyFlag) else { return false }
            replies.append(try await receive())
            return replies.last!.code != UInt8(ascii: "c")
        }
        var mailMacros: KeyValuePairs<String, String> = ["{mail_addr}": envelope.sender]
        if let user = envelope.authenticatedUser {
            mailMacros = ["{mail_addr}": envelope.sender, "{auth_authen}": user, "{auth_type}": "PLAIN"]
        }
        try await sendMacros(for: "M", mailMacros)
        if try await event("M", Self.cString(envelope.sender), noReplyFlag: 0x4000) { return replies }
        try await sendMacros(for: "R", ["{rcpt_addr}": envelope.recipient])
        if try await event("R", Self.cString(envelope.recipient), noReplyFlag: 0x8000) { return replies }
        let (fields, body) = Self.split(message, leadingSpace: protocolFlags & 0x10_0000 != 0)
        for (name, value) in fields where protocolFlags & 0x20 == 0 {
            if try await event("L", Self.cString(name) + value + [0], noReplyFlag: 0x80) { return replies }
        }
        if protocolFlags & 0x40 == 0, try await event("N", [], noReplyFlag: 0x40000) { return replies }
        var offset = 0
        while offset < body.count, protocolFlags & 0x10 == 0 {
            let chunk = Array(body[offset..<min(offset + 65535, body.count)])
            offset += chunk.count
            if try await event("B", chunk, noReplyFlag: 0x80000) { return replies }
        }
        try await sendMacros(for: "E", ["i": envelope.queueID])
        try await send("E")
        // Header changes and quarantine come first; one final reply ends the message.
        repeat { replies.append(try await receive()) } while !Self.endsEvent(replies.last!)
        return replies
    }

    /// Makes the coming close (when the client is released) a reset, as when the MTA's process
    /// is killed with unread data in its socket, rather than an orderly end of the stream.
    public func resetWhenClosed() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Sends SMFIC_QUIT.
    public func quit() async throws {
        try await send("Q")
    }

    private func expectsReply(toFlag flag: UInt32) -> Bool {
        protocolFlags & flag == 0
    }

    /// True for the replies that end an event: continue, accept, reject, tempfail, discard,
    /// reply code.
    static func endsEvent(_ frame: Frame) -> Bool {
        "cartdy".utf8.contains(frame.code)
    }

    /// The header fields (name and value as Postfix passes them: folds as bare LF, the space
    /// after the colon kept only with `leadingSpace`) and the body of a CRLF message.
    static func split(_ message: [UInt8], leadingSpace: Bool) -> ([(String, [UInt8])], [UInt8]) {
        var fields: [(String, [UInt8])] = []
        var index = 0
        while index < message.count {
            let lineEnd = Self.lineEnd(in: message, from: index)
            if lineEnd == index { return (fields, Array(message[min(index + 2, message.count)...])) }
            var end = lineEnd
            while end + 2 < message.count, message[end + 2] == 0x20 || message[end + 2] == 0x09 {
                end = Self.lineEnd(in: message, from: end + 2)
            }
            let field = Array(message[index..<end])
            let colon = field.firstIndex(of: UInt8(ascii: ":")) ?? field.count
            var value = Array(field[min(colon + 1, field.count)...])
            if !leadingSpace, value.first == 0x20 { value.removeFirst() }
            value = Self.bareLF(value)
            fields.append((String(decoding: field[..<colon], as: UTF8.self), value))
            index = end + 2
        }
        return (fields, [])
    }

    private static func lineEnd(in message: [UInt8], from start: Int) -> Int {
        var index = start
        while index + 1 < message.count, !(message[index] == 0x0D && message[index + 1] == 0x0A) { index += 1 }
        return index + 1 < message.count ? index : message.count
    }

    private static func bareLF(_ value: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        for (offset, byte) in value.enumerated() where !(byte == 0x0D && offset + 1 < value.count && value[offset + 1] == 0x0A) {
            result.append(byte)
        }
        return result
    }

    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    public static func cString(_ text: String) -> [UInt8] {
        Array(text.utf8) + [0]
    }
}

/// The milter ended the conversation.
public enum MilterTestClientError: Error, Equatable {
    /// The milter closed the connection.
    case closedByMilter
}

// Free functions, as the client's own `connect` and `send` hide the system calls of the same name.
private func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}

private func systemSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    // MSG_NOSIGNAL: a milter that closed the socket is a test failure, not a SIGPIPE.
    send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
}

private func systemReceive(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    recv(descriptor, buffer, count, 0)
}

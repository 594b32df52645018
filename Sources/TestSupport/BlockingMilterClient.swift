import Foundation
import Glibc

/// An MTA for milter benchmarks and load tests that behaves on the wire the way Postfix does:
/// a plain blocking TCP socket (Nagle on, no TCP_QUICKACK), and commands that need no reply
/// kept in a buffer that goes out in one write when a reply is awaited, as Postfix's VSTREAM
/// flushes before it reads. It blocks its thread, so run it on threads of its own, never on
/// the cooperative pool.
public final class BlockingMilterClient {
    public typealias Frame = MilterTestClient.Frame

    /// The SMTP session Postfix reports before the first message.
    public struct Session: Sendable {
        public var clientIP: String
        public var helo: String

        public init(clientIP: String, helo: String) {
            self.clientIP = clientIP
            self.helo = helo
        }
    }

    /// One message as Postfix hands it to milters: envelope, header fields (values with their
    /// leading space and folds as bare LF) and the body with CRLF.
    public struct Message: Sendable {
        public var sender: String
        public var recipient: String
        public var queueID: String
        public var fields: [(name: String, value: [UInt8])]
        public var body: [UInt8]

        /// `message` (CRLF, as it would arrive in SMTP) split into fields and body.
        public init(_ message: [UInt8], sender: String, recipient: String, queueID: String = "4ABC123DEF") {
            let (fields, body) = MilterTestClient.split(message, leadingSpace: true)
            self.fields = fields.map { (name: $0.0, value: $0.1) }
            self.body = body
            self.sender = sender
            self.recipient = recipient
            self.queueID = queueID
        }
    }

    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var received: [UInt8] = []
    private var readOffset = 0
    private var scratch = [UInt8](repeating: 0, count: 65536)
    /// The protocol flags the milter asked for, after ``negotiate()``.
    public private(set) var protocolFlags: UInt32 = 0

    /// Connects to 127.0.0.1:`port`; a read waiting longer than `timeout` fails.
    public init(port: UInt16, timeout: TimeInterval = 30) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestServerError(description: "socket(): \(String(cString: strerror(errno)))") }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = FreePort.loopback(port: port)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw TestServerError(description: "cannot connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { close(descriptor) }

    /// Option negotiation with Postfix's offer.
    public func negotiate() throws {
        let offer = MilterTestClient.postfixOffer
        queue("O", MilterTestClient.uint32(offer.version) + MilterTestClient.uint32(offer.actions)
                + MilterTestClient.uint32(offer.flags))
        let reply = try receive()
        guard reply.code == UInt8(ascii: "O"), reply.payload.count >= 12 else {
            throw TestServerError(description: "the milter answered option negotiation with \(reply)")
        }
        protocolFlags = reply.payload[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// SMFIC_CONNECT and SMFIC_HELO with their macros; true when the milter lets the session go on.
    public func open(_ session: Session) throws -> Bool {
        macros(for: "C", ["j", "mx.example.test", "{daemon_name}", "smtpd", "{client_addr}", session.clientIP])
        let family: UInt8 = session.clientIP.contains(":") ? UInt8(ascii: "6") : UInt8(ascii: "4")
        guard try event("C", MilterTestClient.cString("client.example") + [family, 0x30, 0x39]
                            + MilterTestClient.cString(session.clientIP), skipFlag: 0x1, noReplyFlag: 0x1000) else {
            return false
        }
        macros(for: "H", [])
        return try event("H", MilterTestClient.cString(session.helo), skipFlag: 0x2, noReplyFlag: 0x2000)
    }

    /// SMFIC_MAIL; true when the milter lets the message go on.
    public func mail(_ message: Message) throws -> Bool {
        macros(for: "M", ["{mail_addr}", message.sender])
        return try event("M", MilterTestClient.cString(message.sender), skipFlag: 0x4, noReplyFlag: 0x4000)
    }

    /// SMFIC_RCPT for the message's one recipient.
    public func recipient(_ message: Message) throws -> Bool {
        macros(for: "R", ["{rcpt_addr}", message.recipient])
        return try event("R", MilterTestClient.cString(message.recipient), skipFlag: 0x8, noReplyFlag: 0x8000)
    }

    /// SMFIC_DATA, with the queue id as Postfix sends it.
    public func data(_ message: Message) throws -> Bool {
        macros(for: "T", ["i", message.queueID])
        return try event("T", [], skipFlag: 0x200, noReplyFlag: 0x10000)
    }

    /// Header fields, end of headers, body and end of message; returns the milter's replies to
    /// the end of the message (header edits, then the final reply), or the reply that ended the
    /// message early.
    public func content(of message: Message) throws -> [Frame] {
        let leadingSpace = protocolFlags & 0x10_0000 != 0
        for (name, value) in message.fields where protocolFlags & 0x20 == 0 {
            let sent = !leadingSpace && value.first == 0x20 ? Array(value.dropFirst()) : value
            macros(for: "L", ["i", message.queueID])
            guard try event("L", MilterTestClient.cString(name) + sent + [0], skipFlag: 0, noReplyFlag: 0x80) else {
                return [lastReply!]
            }
        }
        macros(for: "N", ["i", message.queueID])
        guard try event("N", [], skipFlag: 0x40, noReplyFlag: 0x40000) else { return [lastReply!] }
        var offset = 0
        while offset < message.body.count, protocolFlags & 0x10 == 0 {
            let end = min(offset + 65535, message.body.count)
            macros(for: "B", ["i", message.queueID])
            let goesOn = try event("B", Array(message.body[offset..<end]), skipFlag: 0, noReplyFlag: 0x80000)
            offset = end
            if lastReply?.code == UInt8(ascii: "s") { break }
            if !goesOn { return [lastReply!] }
        }
        macros(for: "E", ["i", message.queueID])
        queue("E", [])
        var replies: [Frame] = []
        repeat {
            replies.append(try receive())
        } while !MilterTestClient.endsEvent(replies.last!)
        return replies
    }

    /// One whole message: MAIL, RCPT, DATA and the content. Returns the end-of-message replies, or the reply
    /// that ended the message before.
    public func send(_ message: Message) throws -> [Frame] {
        guard try mail(message), try recipient(message), try data(message) else { return [lastReply!] }
        return try content(of: message)
    }

    /// SMFIC_ABORT, which Postfix sends after each message; it has no reply, so it goes out
    /// with the next write.
    public func endMessage() {
        queue("A", [])
    }

    /// SMFIC_QUIT, written at once.
    public func quit() throws {
        queue("Q", [])
        try flush()
    }

    // MARK: Frames

    private var lastReply: Frame?

    /// Queues an event and reads its reply unless the milter opted out of the event or of the
    /// reply; false when that reply ends the message or session (anything but continue or skip).
    private func event(_ code: Character, _ payload: [UInt8], skipFlag: UInt32, noReplyFlag: UInt32) throws -> Bool {
        lastReply = nil
        guard protocolFlags & skipFlag == 0 else { return true }
        queue(code, payload)
        guard protocolFlags & noReplyFlag == 0 else { return true }
        let reply = try receive()
        lastReply = reply
        return reply.code == UInt8(ascii: "c") || reply.code == UInt8(ascii: "s")
    }

    private func macros(for code: Character, _ namesAndValues: [String]) {
        queue("D", [code.asciiValue!] + namesAndValues.flatMap(MilterTestClient.cString))
    }

    private func queue(_ code: Character, _ payload: [UInt8]) {
        pending += MilterTestClient.uint32(UInt32(1 + payload.count))
        pending.append(code.asciiValue!)
        pending += payload
    }

    private func flush() throws {
        var offset = 0
        while offset < pending.count {
            let sent = pending[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else {
                throw TestServerError(description: "send to the milter failed: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The next frame from the milter, after writing what is queued.
    private func receive() throws -> Frame {
        try flush()
        while true {
            let available = received.count - readOffset
            if available >= 5 {
                let length = received[readOffset..<(readOffset + 4)].reduce(0) { $0 << 8 | Int($1) }
                if available >= 4 + length {
                    let start = readOffset + 5
                    let frame = Frame(code: received[readOffset + 4], payload: Array(received[start..<(readOffset + 4 + length)]))
                    readOffset += 4 + length
                    if readOffset == received.count {
                        received.removeAll(keepingCapacity: true)
                        readOffset = 0
                    }
                    return frame
                }
            }
            let count = scratch.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += scratch[0..<count]
            } else if count == 0 {
                throw MilterTestClientError.closedByMilter
            } else if errno != EINTR {
                throw TestServerError(description: "no reply from the milter: \(String(cString: strerror(errno)))")
            }
        }
    }
}

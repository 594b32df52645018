@testable import Reporter
import Testing

/// SMTP replies read from bytes however they arrive (RFC 5321 §4.2), and the DATA encoding
/// (§4.5.2), without a socket.
@Suite struct SMTPReplyParserTests {
    @Test("a multi-line EHLO reply arriving in pieces is one reply with its extensions")
    func multiLineReply() throws {
        var parser = SMTPReplyParser()
        parser.append("250-mx.example Hello\r\n250-SIZE 10240000\r\n250-STAR".utf8)
        #expect(try parser.next() == nil)
        parser.append("TTLS\r\n250 AUTH plain LOGIN\r\n".utf8)
        let reply = try #require(try parser.next())
        #expect(reply.code == 250)
        #expect(reply.lines.count == 4)
        #expect(reply.extensions == ["SIZE": ["10240000"], "STARTTLS": [], "AUTH": ["PLAIN", "LOGIN"]])
        #expect(!parser.hasPendingBytes)
    }

    @Test("two replies in one read come out one after the other; a bare code is a reply")
    func pipelinedReplies() throws {
        var parser = SMTPReplyParser()
        parser.append("250 ok\r\n354\r\n".utf8)
        #expect(try parser.next()?.code == 250)
        #expect(try parser.next() == SMTPReply(code: 354, lines: [""]))
        #expect(try parser.next() == nil)
    }

    @Test("bytes left after a reply are reported, as STARTTLS needs to know")
    func pendingBytes() throws {
        var parser = SMTPReplyParser()
        parser.append("220 go ahead\r\n250 injected".utf8)
        #expect(try parser.next()?.code == 220)
        #expect(parser.hasPendingBytes)
    }

    @Test("lines that are not replies, mixed codes and endless lines are protocol errors")
    func protocolErrors() {
        for text in ["hello\r\n", "25x ok\r\n", "250-a\r\n251 b\r\n", "250_x\r\n"] {
            var parser = SMTPReplyParser()
            parser.append(text.utf8)
            #expect(throws: SMTPReplyParser.ProtocolError.self, "\(text)") { try parser.next() }
        }
        var parser = SMTPReplyParser()
        parser.append([UInt8](repeating: UInt8(ascii: "2"), count: SMTPReplyParser.maximumLineLength + 1))
        #expect(throws: SMTPReplyParser.ProtocolError.self) { try parser.next() }
    }

    @Test("DATA doubles a leading dot, ends bare LFs with CR, and appends the final dot line")
    func dataEncoding() {
        let encoded = SMTPDataEncoding.encode(Array(".a\r\nb\n..c\r\nd".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "..a\r\nb\r\n...c\r\nd\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode(Array("x\r\n".utf8)), as: UTF8.self) == "x\r\n.\r\n")
    }
}

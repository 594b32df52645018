@testable import Auth
import DNS
import Foundation
import TestSupport

extension DKIMTestMessage {
    /// Feeds the message to a new ARC validator, the body in chunks of `chunkSize` bytes, and
    /// returns its result; `mode` shapes the header fields as an MTA would hand them over.
    func validateARC(resolver: any DNSResolver, chunkSize: Int = 65535, mode: DKIMFeedMode = .exact) async -> ARCResult {
        var validator = ARCValidator(resolver: resolver)
        for field in fields { validator.header(mode.field(field)) }
        validator.endOfHeaders()
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunkSize, body.count)
            validator.body(body[offset..<end])
            offset = end
        }
        return await validator.finish()
    }
}

/// One of stalwart's `resources/arc/NNN.txt`: `<name> <txt>` lines, a blank line, then the
/// message (SOURCES.md §6).
struct StalwartARCCase {
    var resolver: StaticResolver
    var message: DKIMTestMessage

    init(_ name: String) throws {
        let data = Array(try Fixtures.data(Fixtures.corpus("stalwart-mail-auth/resources/arc/\(name)")))
        guard let blank = (0..<(data.count - 1)).first(where: { data[$0] == 0x0A && data[$0 + 1] == 0x0A }) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var resolver = StaticResolver()
        for line in String(decoding: data[..<blank], as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            resolver.add(DKIMTestDNS.record(String(line[line.index(after: space)...])), at: String(line[..<space]))
        }
        self.resolver = resolver
        message = try DKIMTestMessage(bytes: Array(data[(blank + 2)...]))
    }
}

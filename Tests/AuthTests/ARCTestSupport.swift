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

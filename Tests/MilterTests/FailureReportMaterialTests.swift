import Testing
@testable import Milter

/// What a message keeps for a failure report while it arrives: the body only when asked for,
/// and none at all once it passes the limit.
@Suite struct FailureReportMaterialTests {
    @Test("without the whole-message setting no body is kept")
    func noBodyByDefault() {
        var material = FailureReportMaterial(keepsBody: false)
        material.body(Array("text\r\n".utf8))
        #expect(material.body == nil)
        #expect(!material.bodyTooLarge)
    }

    @Test("with it the chunks are kept in order")
    func bodyKept() {
        var material = FailureReportMaterial(keepsBody: true)
        material.body(Array("first\r\n".utf8))
        material.body(Array("second\r\n".utf8))
        #expect(material.body == Array("first\r\nsecond\r\n".utf8))
    }

    @Test("a body past the limit is dropped at once and marked as too large")
    func bodyOverTheLimit() {
        var material = FailureReportMaterial(keepsBody: true)
        let chunk = [UInt8](repeating: 0x61, count: 65_535)
        for _ in 0..<(FailureReportCandidate.bodyLimit / chunk.count) { material.body(chunk) }
        #expect(material.body?.count == FailureReportCandidate.bodyLimit / chunk.count * chunk.count)
        material.body(chunk)
        #expect(material.body == nil)
        #expect(material.bodyTooLarge)
        material.body(Array("more\r\n".utf8))
        #expect(material.body == nil, "nothing is kept after the limit")
    }
}

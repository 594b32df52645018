@testable import Auth
import Crypto
import Foundation
import Testing

/// Header and body canonicalization (RFC 6376 §3.4) and the streaming body hash (§3.7).
struct DKIMCanonicalizationTests {
    static func header(_ field: HeaderField, _ canonicalization: DKIMCanonicalization) -> String {
        var output: [UInt8] = []
        canonicalization.appendHeader(field, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The canonical body: what the hasher hashes, reproduced by hashing it in one piece.
    static func bodyHash(_ body: String, _ canonicalization: DKIMCanonicalization, chunkSize: Int = .max,
                         length: Int? = nil) -> DKIMBodyHasher.Outcome {
        var hasher = DKIMBodyHasher(canonicalization: canonicalization, lengthLimit: length)
        let bytes = Array(body.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(chunkSize, bytes.count - offset)
            bytes[offset..<end].withUnsafeBufferPointer { hasher.update($0) }
            offset = end
        }
        return hasher.finish()
    }

    static func digest(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

    // RFC 6376 §3.4.5 example 1: "A: <SP> X <CRLF> B <SP> : <SP> Y <HTAB><CRLF> <HTAB> Z <SP><SP><CRLF>".
    static let fieldA = HeaderField(name: "A", value: " X")
    static let fieldB = HeaderField(name: "B ", value: " Y\t\r\n\tZ  ")
    static let exampleBody = " C \r\nD \t E\r\n\r\n\r\n"

    @Test func relaxedHeaderMatchesTheRFCExample() {
        #expect(Self.header(Self.fieldA, .relaxed) == "a:X\r\n")
        #expect(Self.header(Self.fieldB, .relaxed) == "b:Y Z\r\n")
    }

    @Test func simpleHeaderMatchesTheRFCExample() {
        #expect(Self.header(Self.fieldA, .simple) == "A: X\r\n")
        #expect(Self.header(Self.fieldB, .simple) == "B : Y\t\r\n\tZ  \r\n")
    }

    @Test func relaxedBodyMatchesTheRFCExample() {
        let outcome = Self.bodyHash(Self.exampleBody, .relaxed)
        #expect(outcome.digest == Self.digest(" C\r\nD E\r\n"))
        #expect(outcome.canonicalLength == 9)
    }

    @Test func simpleBodyMatchesTheRFCExample() {
        #expect(Self.bodyHash(Self.exampleBody, .simple).digest == Self.digest(" C \r\nD \t E\r\n"))
    }

    /// RFC 6376 §3.4.3 and §3.4.4 give the SHA-256 of the empty body for each algorithm.
    @Test func emptyBodyHashesMatchTheRFC() {
        #expect(Data(Self.bodyHash("", .simple).digest).base64EncodedString() == "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")
        #expect(Data(Self.bodyHash("", .relaxed).digest).base64EncodedString() == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(Self.bodyHash("\r\n\r\n", .simple).digest == Self.digest("\r\n"))
        #expect(Self.bodyHash(" \t\r\n\r\n", .relaxed).digest == Self.digest(""))
    }

    @Test func bodyWithoutFinalLineEndGetsOne() {
        #expect(Self.bodyHash("abc", .simple).digest == Self.digest("abc\r\n"))
        #expect(Self.bodyHash("abc  ", .relaxed).digest == Self.digest("abc\r\n"))
    }

    @Test func loneCarriageReturnsAndLineFeedsAreContent() {
        #expect(Self.bodyHash("a\rb\nc\r\n\r", .simple).digest == Self.digest("a\rb\nc\r\n\r\r\n"))
        #expect(Self.bodyHash("a \r b\r\n", .relaxed).digest == Self.digest("a \r b\r\n"))
    }

    @Test func emptyLinesInsideTheBodyStay() {
        #expect(Self.bodyHash("a\r\n\r\n \r\nb\r\n\r\n", .relaxed).digest == Self.digest("a\r\n\r\n\r\nb\r\n"))
        #expect(Self.bodyHash("a\r\n\r\n \r\nb\r\n\r\n", .simple).digest == Self.digest("a\r\n\r\n \r\nb\r\n"))
    }

    @Test func lengthLimitHashesOnlyThatManyCanonicalOctets() {
        let outcome = Self.bodyHash("Hello  world\r\nmore\r\n", .relaxed, length: 5)
        #expect(outcome.digest == Self.digest("Hello"))
        #expect(outcome.canonicalLength == 19)
        #expect(Self.bodyHash("Hi\r\n", .simple, length: 0).digest == Self.digest(""))
    }

    /// Chunks may split anywhere: between CR and LF, inside white-space runs, inside held
    /// empty lines.
    @Test(arguments: DKIMCanonicalization.allCases)
    func everySplitGivesTheSameHash(canonicalization: DKIMCanonicalization) {
        let body = "a  \t b \r\n\r\n\t\r\nc\rd\r\n \r\n\r\n"
        let whole = Self.bodyHash(body, canonicalization)
        for chunkSize in 1...body.utf8.count {
            #expect(Self.bodyHash(body, canonicalization, chunkSize: chunkSize) == whole, "chunk \(chunkSize)")
            #expect(Self.bodyHash(body, canonicalization, chunkSize: chunkSize, length: 7)
                    == Self.bodyHash(body, canonicalization, length: 7), "chunk \(chunkSize), l=7")
        }
    }

    @Test func relaxedHeaderDropsTheExcludedBValue() throws {
        let field = HeaderField(name: "DKIM-Signature", value: " a=1; b=AB\r\n CD; c=2")
        let tags = try DKIMTagList(parsing: field.rawValue, maximumTags: 8)
        var output: [UInt8] = []
        DKIMCanonicalization.relaxed.appendHeader(field, excluding: tags["b"]?.valueRegion, terminated: false, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "dkim-signature:a=1; b=; c=2")
        output = []
        DKIMCanonicalization.simple.appendHeader(field, excluding: tags["b"]?.valueRegion, terminated: false, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "DKIM-Signature: a=1; b=; c=2")
    }
}

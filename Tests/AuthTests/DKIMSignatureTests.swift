@testable import Auth
import Testing

/// The DKIM-Signature tag rules of RFC 6376 §3.2, §3.5 and §6.1.1.
struct DKIMSignatureTests {
    static let bh = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    static let minimal = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=\(bh); b=AAAA"

    static func parse(_ value: String, limits: DKIMVerifier.Limits = .init()) throws(DKIMFailure) -> DKIMSignature {
        try DKIMSignature(parsing: LineEndings.crlf(Array(value.utf8)), limits: limits)
    }

    static func failure(_ value: String) -> DKIMFailure? {
        do {
            _ = try parse(value)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalSignatureTakesTheDefaults() throws {
        let signature = try Self.parse(Self.minimal)
        #expect(signature.algorithm == .rsaSHA256)
        #expect(signature.headerCanonicalization == .simple && signature.bodyCanonicalization == .simple)
        #expect(signature.identity == nil && signature.identityDomain == "example.com")
        #expect(signature.bodyLength == nil && signature.timestamp == nil && signature.expiration == nil)
        #expect(signature.keyName == "sel._domainkey.example.com")
        #expect(signature.signature == [0, 0, 0])
    }

    @Test func foldedValuesAndWhiteSpaceAroundTagsAreAccepted() throws {
        let signature = try Self.parse(
            " v = 1 ;\n\ta=ed25519-sha256; c=relaxed/relaxed;\n d=Example.COM; s=sel;\n h=From : To :\n\tsubject;\n bh=\(Self.bh);\n b=AA\n AA;")
        #expect(signature.algorithm == .ed25519SHA256)
        #expect(signature.signedFields == ["from", "to", "subject"])
        #expect(signature.domain == "Example.COM")
        #expect(signature.signature == [0, 0, 0])
    }

    @Test(arguments: [("relaxed", DKIMCanonicalization.relaxed, DKIMCanonicalization.simple),
                      ("simple/relaxed", .simple, .relaxed), ("relaxed/relaxed", .relaxed, .relaxed)])
    func canonicalizationDefaultsTheBodyToSimple(c: String, header: DKIMCanonicalization, body: DKIMCanonicalization) throws {
        let signature = try Self.parse(Self.minimal + "; c=\(c)")
        #expect(signature.headerCanonicalization == header && signature.bodyCanonicalization == body)
    }

    @Test func requiredTagsAreNamedWhenMissing() {
        #expect(Self.failure("v=1; a=rsa-sha256; d=example.com; h=from") == .missingRequiredTag("b=, bh=, s="))
    }

    @Test func versionOtherThanOneIsIncompatible() {
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "v=1", with: "v=2")) == .incompatibleVersion("2"))
    }

    @Test func algorithmsOutsideRSASHA256AndEd25519AreRefused() {
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "rsa-sha256", with: "rsa-sha1")) == .historicAlgorithm("rsa-sha1"))
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "rsa-sha256", with: "dsa-sha512")) == .unsupportedAlgorithm("dsa-sha512"))
    }

    @Test func unknownCanonicalizationIsRefused() {
        #expect(Self.failure(Self.minimal + "; c=relaxed/nowsp") == .unsupportedCanonicalization("relaxed/nowsp"))
    }

    @Test func queryMethodMustIncludeDNSTXT() throws {
        _ = try Self.parse(Self.minimal + "; q=x-other:dns/txt")
        #expect(Self.failure(Self.minimal + "; q=x-other") == .unsupportedQueryMethod("x-other"))
    }

    @Test func identityMustBeWithinTheSigningDomain() throws {
        #expect(try Self.parse(Self.minimal + "; i=user@mail.example.com").identityDomain == "mail.example.com")
        #expect(try Self.parse(Self.minimal + "; i=@EXAMPLE.com").identityDomain == "EXAMPLE.com")
        #expect(Self.failure(Self.minimal + "; i=user@badexample.com")
                == .identityOutsideDomain(identity: "user@badexample.com", domain: "example.com"))
        #expect(Self.failure(Self.minimal + "; i=user") == .signatureSyntax("i= is not an identity"))
    }

    @Test func identityIsQuotedPrintable() throws {
        #expect(try Self.parse(Self.minimal + "; i=j=3Bdoe@example.com").identity == "j;doe@example.com")
        #expect(Self.failure(Self.minimal + "; i=j=3@example.com") == .signatureSyntax("i= is not an identity"))
    }

    @Test func fromMustBeSigned() {
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "h=from", with: "h=to:subject")) == .fromNotSigned)
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "h=from", with: "h=from::to"))
                == .signatureSyntax("h= holds an empty or invalid field name"))
    }

    @Test func domainAndSelectorMustBeDNSNames() {
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "d=example.com", with: "d=com"))
                == .signatureSyntax("d=com is not a domain name"))
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "d=example.com", with: "d=-x.example.com"))
                == .signatureSyntax("d=-x.example.com is not a domain name"))
        #expect(Self.failure(Self.minimal.replacingOccurrences(of: "s=sel", with: "s=a b"))
                == .signatureSyntax("s=a b is not a selector"))
    }

    @Test func lengthTimestampAndExpiryAreDecimal() throws {
        let signature = try Self.parse(Self.minimal + "; l=42; t=1117574938; x=1118006938")
        #expect(signature.bodyLength == 42)
        #expect(signature.timestamp == 1_117_574_938 && signature.expiration == 1_118_006_938)
        #expect(Self.failure(Self.minimal + "; l=-1") == .signatureSyntax("l= is not a number"))
        #expect(Self.failure(Self.minimal + "; l=" + String(repeating: "1", count: 77)) == .signatureSyntax("l= is not a number"))
        #expect(Self.failure(Self.minimal + "; t=12a") == .signatureSyntax("t= is not a number"))
    }

    @Test func timesLongerThanTwelveDigitsAreInfinite() throws {
        #expect(try Self.parse(Self.minimal + "; x=1234567890123").expiration == Int.max)
    }

    @Test func expiryMustFollowTheTimestamp() {
        #expect(Self.failure(Self.minimal + "; t=200; x=100") == .signatureSyntax("x=100 is not after t=200"))
        #expect(Self.failure(Self.minimal + "; t=200; x=200") == .signatureSyntax("x=200 is not after t=200"))
    }

    @Test func copiedFieldsAreDecoded() throws {
        let signature = try Self.parse(Self.minimal + "; z=From:foo@eng.example.net|To:joe@example.com|\n Subject:demo=20run")
        #expect(signature.copiedFields == ["From:foo@eng.example.net", "To:joe@example.com", "Subject:demo run"])
        #expect(Self.failure(Self.minimal + "; z=nocolon") == .signatureSyntax("z= holds a copy that is not name:value"))
    }

    @Test func unknownTagsAreIgnoredButDuplicatesInvalidateTheList() throws {
        _ = try Self.parse(Self.minimal + "; future_tag=anything goes")
        #expect(Self.failure(Self.minimal + "; d=example.org") == .signatureSyntax("tag \"d\" appears more than once"))
    }

    @Test func tagListRecordsTheRegionOfEachValueForRemovingB() throws {
        let bytes = Array("a=1; b = AB\r\n CD ;c=".utf8)
        let list = try DKIMTagList(parsing: bytes, maximumTags: 8)
        let b = try #require(list["b"])
        #expect(b.text == "AB\r\n CD")
        #expect(String(decoding: bytes[b.valueRegion], as: UTF8.self) == " AB\r\n CD ")
        #expect(list["c"]?.value == [])
    }
}

import Auth
import DNS
import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// dmarcd behind a real Postfix, with real DNS (nsd) and mail DKIM-signed at test time: what a
/// site sees at the SMTP client and in the delivered or held mail.
@Suite(.serialized, PostfixStack.scope)
struct PostfixEndToEndTests {
    let stack: PostfixStack

    init() throws {
        stack = try #require(PostfixStack.current, "the suite's Postfix and dmarcd did not start")
    }

    @Test("aligned mail is delivered with dmarcd's Authentication-Results", arguments: MilterTransport.allCases)
    func alignedMailIsDelivered(transport: MilterTransport) throws {
        let subject = CheckingMilters.uniqueSubject("aligned", transport)
        let message = try stack.milters.message(from: CheckingMilters.alignedDomain, subject: subject, signed: true)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.alignedDomain)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        let ours = HeaderFields(message: delivered).authenticationResults(by: CheckingMilters.authservID)
        #expect(ours.count == 1, "\(delivered)")
        let field = ours.first ?? ""
        #expect(field.contains("dkim=pass"), "\(field)")
        #expect(field.contains("header.d=\(CheckingMilters.alignedDomain)"), "\(field)")
        #expect(field.contains("spf=pass"), "\(field)")
        #expect(field.contains("dmarc=pass"), "\(field)\n\(stack.diagnostics(transport))")
    }

    @Test("each checked message is in the running daemon's history, as dmarcd history shows it",
          arguments: MilterTransport.allCases)
    func checkedMailIsInTheHistory(transport: MilterTransport) throws {
        let subject = CheckingMilters.uniqueSubject("history", transport)
        let message = try stack.milters.message(from: CheckingMilters.alignedDomain, subject: subject, signed: true)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.alignedDomain)
        let queueID = try #require(reply.queueID, "\(reply)\n\(stack.diagnostics(transport))")

        // The history commits every 250 ms; the daemon goes on running while it is read.
        let daemon = stack.milters.milter(transport).daemon
        let configuration = daemon.directory.appendingPathComponent("dmarcd.conf").path
        var history = ""
        let deadline = Date().addingTimeInterval(10)
        while !history.contains(queueID) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            history = String(decoding: try TestProgram.run([
                BuiltProducts.executable("dmarcd"), "history", "--config", configuration,
                "--domain", CheckingMilters.alignedDomain, "--since", "1h",
            ]), as: UTF8.self)
        }
        let line = history.split(separator: "\n").first { $0.contains(queueID) }.map(String.init) ?? ""
        #expect(line.contains(CheckingMilters.checkedClient) && line.contains("pass"), "\(history)")
    }

    @Test("a report mailed to the report mailbox is delivered and stored in the running daemon's database",
          arguments: MilterTransport.allCases)
    func reportMailToTheReportMailboxIsStored(transport: MilterTransport) throws {
        // Google's report about stalw.art as it reached Stalwart's mailbox
        // (../shared/corpus/stalwart-mail-auth/resources/dmarc-feedback/100.eml)
        let text = try Fixtures.text(Fixtures.corpus("stalwart-mail-auth/resources/dmarc-feedback/100.eml"))
        let reply = try stack.send(Array(text.utf8), over: transport, from: "google.com", to: CheckingMilters.reportMailbox)
        let queueID = try #require(reply.queueID, "\(reply)\n\(stack.diagnostics(transport))")

        _ = try stack.postfix.waitForDelivery(containing: "Report-ID: 5264580628977113351")
        let daemon = stack.milters.milter(transport).daemon
        let path = DaemonUnderTest.databasePath(in: daemon.directory)
        var stored: [ReceivedReport.Stored] = []
        let deadline = Date().addingTimeInterval(10)
        while stored.isEmpty && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            stored = (try? HistoryStore.openForReading(path: path).receivedReports(domain: "stalw.art")) ?? []
        }
        #expect(stored.map(\.report.reportID) == ["5264580628977113351"], "\(stack.diagnostics(transport))")
        #expect(stored.first?.receipt.source == queueID)
    }

    @Test("a report about our domain mailed to the report mailbox shows on the Reports in page",
          arguments: MilterTransport.allCases)
    func reportMailShowsOnTheReportsInPage(transport: MilterTransport) throws {
        // A receiver's report of yesterday about the aligned domain, as our own report mail
        // would carry it: one source passing, one failing.
        let yesterday = Int(Date().timeIntervalSince1970) / 86_400 * 86_400 - 86_400
        let reporter = "Receiver \(transport)"
        let failing = transport == .tcp ? "198.51.100.98" : "198.51.100.99"
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feedback><report_metadata><org_name>\(reporter)</org_name><email>noreply-dmarc@receiver.example</email>
            <report_id>e2e\(transport)\(UUID().uuidString.filter(\.isHexDigit))</report_id>
            <date_range><begin>\(yesterday)</begin><end>\(yesterday + 86_399)</end></date_range></report_metadata>
            <policy_published><domain>\(CheckingMilters.alignedDomain)</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p></policy_published>
            <record><row><source_ip>\(CheckingMilters.checkedClient)</source_ip><count>7</count><policy_evaluated>
            <disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
            <identifiers><header_from>\(CheckingMilters.alignedDomain)</header_from></identifiers>
            <auth_results><dkim><domain>\(CheckingMilters.alignedDomain)</domain><result>pass</result></dkim>
            <spf><domain>\(CheckingMilters.alignedDomain)</domain><result>pass</result></spf></auth_results></record>
            <record><row><source_ip>\(failing)</source_ip><count>2</count><policy_evaluated>
            <disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
            <identifiers><header_from>\(CheckingMilters.alignedDomain)</header_from></identifiers>
            <auth_results><spf><domain>forger.example</domain><result>fail</result></spf></auth_results></record>
            </feedback>
            """
        let report = try AggregateReportXMLReader.read(Data(xml.utf8))
        let mail = try AggregateReportMail(from: "noreply-dmarc@receiver.example", to: [CheckingMilters.reportMailbox],
                                           receiver: "receiver.example", date: Date())
            .message(for: report, gzipData: try ReportCompression.gzip(Array(xml.utf8)))
        let reply = try stack.send(mail, over: transport, from: "receiver.example", to: CheckingMilters.reportMailbox)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let statusPage = stack.milters.milter(transport).statusPage
        var page = ""
        let deadline = Date().addingTimeInterval(10)
        while !page.contains(failing) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            page = (try? HTTPTestClient.get(statusPage + "/reports-in/\(CheckingMilters.alignedDomain)").body) ?? ""
        }
        #expect(page.contains("\(failing) <span class=\"new\">new</span>"), "\(page)\n\(stack.diagnostics(transport))")
        #expect(page.contains(reporter))
        let list = try HTTPTestClient.get(statusPage + "/reports-in").body
        #expect(list.contains("<a href=\"/reports-in/\(CheckingMilters.alignedDomain)\">"), "\(list)")
    }

    @Test("mail from an internal host is signed with RSA and Ed25519, and the delivered copy verifies with dmarcd, dkimpy and OpenDKIM",
          arguments: SigningRoute.all)
    func internalMailIsSigned(route: SigningRoute) async throws {
        let subject = CheckingMilters.uniqueSubject("signed \(route.canonicalization)", route.transport)
        let message = try stack.milters.message(from: CheckingMilters.signingDomain, subject: subject, signed: false)
        let reply = try stack.send(message, listener: PostfixStack.listener(route), from: CheckingMilters.signingDomain,
                                   clientAddress: CheckingMilters.internalClient)
        let daemon = stack.milters.signingMilter(route).daemon
        try #require(reply.code == 250, "\(reply)\n\(daemon.logTail())\n\(stack.postfix.maillogTail())")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        let fields = HeaderFields(message: delivered)
        #expect(fields.authenticationResults(by: CheckingMilters.authservID).isEmpty, "signed mail is not checked")
        try await Self.expectSignedTwice(delivered, canonicalization: route.canonicalization, records: stack.milters.signingRecords)
        let line = daemon.waitForLogLine(containing: "from=\(CheckingMilters.signingDomain) ")
        #expect(line?.contains("""
            signed rsa d=\(CheckingMilters.signingDomain) s=sel, ed25519 d=\(CheckingMilters.signingDomain) s=ed (internal host)
            """) == true, "\(daemon.logTail())")
    }

    @Test("mail submitted with Postfix's sendmail is signed through non_smtpd_milters, and the delivered copy verifies")
    func locallySubmittedMailIsSigned() async throws {
        // The daemon's InternalHosts holds 127.0.0.4 only: the mail is signed as local submission.
        let subject = CheckingMilters.uniqueSubject("local submission", .tcp)
        let message = try stack.milters.message(from: CheckingMilters.signingDomain, subject: subject, signed: false)
        try stack.postfix.submit(message, from: "sender@\(CheckingMilters.signingDomain)", to: [CheckingMilters.recipient])

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        #expect(HeaderFields(message: delivered).authenticationResults(by: CheckingMilters.authservID).isEmpty,
                "signed mail is not checked: \(delivered)\n\(stack.diagnostics(.tcp))")
        try await Self.expectSignedTwice(delivered, canonicalization: "relaxed/relaxed", records: stack.milters.signingRecords)
        let line = stack.milters.milter(.tcp).daemon.waitForLogLine(
            containing: "client=127.0.0.1 from=\(CheckingMilters.signingDomain) ")
        #expect(line?.contains("(local submission)") == true, "\(stack.diagnostics(.tcp))")
    }

    @Test("mail from a client logged in with SMTP AUTH is signed, and the delivered copy verifies")
    func authenticatedMailIsSigned() async throws {
        // From the checked client's address: the mail is signed because of the login alone.
        let subject = CheckingMilters.uniqueSubject("authenticated", .tcp)
        let message = try stack.milters.message(from: CheckingMilters.signingDomain, subject: subject, signed: false)
        let reply = try stack.send(message, over: .tcp, from: CheckingMilters.signingDomain,
                                   login: (stack.sasl.user, stack.sasl.password))
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(.tcp))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        #expect(HeaderFields(message: delivered).authenticationResults(by: CheckingMilters.authservID).isEmpty,
                "signed mail is not checked: \(delivered)")
        try await Self.expectSignedTwice(delivered, canonicalization: "relaxed/relaxed", records: stack.milters.signingRecords)
        let line = stack.milters.milter(.tcp).daemon.waitForLogLine(
            containing: "client=\(CheckingMilters.checkedClient) from=\(CheckingMilters.signingDomain) ")
        #expect(line?.contains("(authenticated as \(stack.sasl.user))") == true, "\(stack.diagnostics(.tcp))")
    }

    /// Checks that `delivered` carries dmarcd's two signatures, RSA and Ed25519, with
    /// `canonicalization`, and that dmarcd's verifier, dkimpy and OpenDKIM each find both valid.
    static func expectSignedTwice(_ delivered: String, canonicalization: String, records: [String: String],
                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
        // Postfix's delivery adds Return-Path and Delivered-To on top, which no signature covers.
        let bytes = Array(delivered.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let signatures = HeaderFields(message: delivered).fields.filter { $0.name == "DKIM-Signature" }.map(\.value)
        #expect(signatures.count == 2, "\(delivered)", sourceLocation: sourceLocation)
        for signature in signatures {
            #expect(signature.contains("c=\(canonicalization)"), "\(signature)", sourceLocation: sourceLocation)
        }
        #expect(try DKIMTestVerifiers.dkimpy(bytes, records: records), "\(delivered)", sourceLocation: sourceLocation)
        // OpenDKIM 2.11 (Debian 12) verifies Ed25519 (RFC 8463) and gives its size as 0 bits.
        let opendkim = try DKIMTestVerifiers.opendkimEachSignature(bytes, records: records)
        #expect(opendkim.count == 2 && opendkim.allSatisfy { $0.contains("succeeded") }, "\(opendkim)\n\(delivered)",
                sourceLocation: sourceLocation)
        var resolver = StaticResolver()
        for (name, text) in records {
            let record = Array(text.utf8)
            resolver.add(.txt(TXTRecord(strings: stride(from: 0, to: record.count, by: 255).map {
                Array(record[$0..<min($0 + 255, record.count)])
            })), at: name)
        }
        let (parsed, bodyOffset) = try MessageHeaderParser.parse(bytes)
        var verifier = DKIMVerifier(resolver: resolver)
        for field in parsed { verifier.header(field) }
        verifier.endOfHeaders()
        verifier.body(bytes[bodyOffset...])
        let results = await verifier.finish()
        #expect(results.map(\.status) == [.pass, .pass], "\(results)\n\(delivered)", sourceLocation: sourceLocation)
        #expect(Set(results.compactMap { $0.key?.type }) == ["rsa", "ed25519"], "\(results)", sourceLocation: sourceLocation)
    }

    @Test("mail failing p=reject is refused with 550 5.7.1", arguments: MilterTransport.allCases)
    func rejectPolicyRefusesMail(transport: MilterTransport) throws {
        let message = try stack.milters.message(from: CheckingMilters.rejectingDomain,
                                                subject: CheckingMilters.uniqueSubject("reject", transport), signed: false)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.rejectingDomain)
        #expect(reply.stage == "DATA")
        #expect(reply.code == 550, "\(reply)\n\(stack.diagnostics(transport))")
        #expect(reply.text.hasPrefix("5.7.1 rejected by DMARC policy for \(CheckingMilters.rejectingDomain)"), "\(reply)")
        let line = stack.milters.milter(transport).daemon.waitForLogLine(containing: "from=\(CheckingMilters.rejectingDomain) ")
        #expect(line?.contains("dmarc=fail disposition=reject rejected") == true, "\(stack.diagnostics(transport))")
    }

    @Test("mail failing p=quarantine is held, with dmarcd's verdict in its header", arguments: MilterTransport.allCases)
    func quarantinePolicyHoldsMail(transport: MilterTransport) throws {
        let message = try stack.milters.message(from: CheckingMilters.quarantiningDomain,
                                                subject: CheckingMilters.uniqueSubject("quarantine", transport), signed: false)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.quarantiningDomain)
        let queueID = try #require(reply.queueID, "\(reply)\n\(stack.diagnostics(transport))")

        let held = try stack.postfix.waitForHold(queueID: queueID)
        let queued = try stack.postfix.queuedMessages().map { "\($0.queueID) in \($0.queueName)" }
        #expect(held, "\(queueID) is not in the hold queue: \(queued)\n\(stack.diagnostics(transport))")
        let header = try stack.postfix.queuedHeader(queueID: queueID)
        let ours = HeaderFields(message: header).authenticationResults(by: CheckingMilters.authservID)
        #expect(ours.count == 1 && ours[0].contains("dmarc=fail"), "\(header)")
        #expect(stack.postfix.maillog.contains("\(queueID): milter-hold"), "\(stack.postfix.maillogTail())")
        let line = stack.milters.milter(transport).daemon.waitForLogLine(containing: "\(queueID): ")
        #expect(line?.contains("disposition=quarantine held") == true, "\(stack.diagnostics(transport))")
    }

    @Test("a forged Authentication-Results with our authserv-id is removed, another one stays",
          arguments: MilterTransport.allCases)
    func forgedAuthenticationResultsAreRemoved(transport: MilterTransport) throws {
        let subject = CheckingMilters.uniqueSubject("forged", transport)
        let message = try stack.milters.message(
            from: CheckingMilters.alignedDomain, subject: subject, signed: true,
            extraFields: [
                "Authentication-Results: \(CheckingMilters.authservID); dmarc=pass (forged-claim) header.from=bank.example",
                "Authentication-Results: relay.other.example; spf=pass (kept-claim) smtp.mailfrom=other.example",
            ])
        let reply = try stack.send(message, over: transport, from: CheckingMilters.alignedDomain)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        let fields = HeaderFields(message: delivered)
        #expect(!delivered.contains("forged-claim"), "\(delivered)")
        #expect(fields.authenticationResults(by: "relay.other.example").count == 1, "\(delivered)")
        let ours = fields.authenticationResults(by: CheckingMilters.authservID)
        #expect(ours.count == 1 && ours[0].contains("dmarc=pass"), "\(delivered)\n\(stack.diagnostics(transport))")
    }

    @Test("mail from an IgnoreHosts address is passed untouched", arguments: MilterTransport.allCases)
    func ignoredHostIsNotChecked(transport: MilterTransport) throws {
        // Mail that would be rejected if it were checked.
        let subject = CheckingMilters.uniqueSubject("ignored", transport)
        let message = try stack.milters.message(from: CheckingMilters.rejectingDomain, subject: subject, signed: false)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.rejectingDomain,
                                   clientAddress: CheckingMilters.ignoredClient)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        #expect(HeaderFields(message: delivered).authenticationResults.isEmpty, "\(delivered)")
    }

    @Test("forwarded mail that a trusted ARC sealer saw pass is delivered despite p=reject", arguments: MilterTransport.allCases)
    func trustedSealerOverridesReject(transport: MilterTransport) throws {
        let subject = CheckingMilters.uniqueSubject("arc-trusted", transport)
        let original = try stack.milters.message(from: CheckingMilters.alignedDomain, subject: subject, signed: true)
        let message = try stack.milters.forwarded(original, from: CheckingMilters.alignedDomain, by: CheckingMilters.trustedList)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.trustedList)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        let ours = HeaderFields(message: delivered).authenticationResults(by: CheckingMilters.authservID)
        #expect(ours.count == 1, "\(delivered)")
        let field = ours.first ?? ""
        #expect(field.contains("dkim=fail"), "the footer broke the author's signature: \(field)")
        #expect(field.contains("arc=pass (i=1 sealers=\(CheckingMilters.trustedList))"), "\(field)")
        #expect(field.contains("dmarc=fail (p=reject dis=none; arc override: \(CheckingMilters.trustedList) saw dmarc=pass)"),
                "\(field)\n\(stack.diagnostics(transport))")

        // The next aggregate report about the author's domain carries the override (RFC 9990
        // PolicyOverrideType trusted_forwarder); the history commits every 250 ms.
        let daemon = stack.milters.milter(transport).daemon
        let configuration = daemon.directory.appendingPathComponent("dmarcd.conf").path
        var report = ""
        let deadline = Date().addingTimeInterval(10)
        while !report.contains("<type>trusted_forwarder</type>") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.25)
            do {
                report = String(decoding: try TestProgram.run([
                    BuiltProducts.executable("dmarcd"), "report", "preview", "--config", configuration,
                    "--set", "ReportEmail=dmarc-reports@mx.example.test", CheckingMilters.alignedDomain, "--window", "1s",
                ]), as: UTF8.self)
            } catch {
                report = "\(error)"
            }
        }
        #expect(report.contains("<type>trusted_forwarder</type>"), "\(report)")
        #expect(report.contains("<disposition>none</disposition>"), "\(report)")
    }

    @Test("the same mail sealed by an untrusted forwarder is refused", arguments: MilterTransport.allCases)
    func untrustedSealerChangesNothing(transport: MilterTransport) throws {
        let subject = CheckingMilters.uniqueSubject("arc-untrusted", transport)
        let original = try stack.milters.message(from: CheckingMilters.alignedDomain, subject: subject, signed: true)
        let message = try stack.milters.forwarded(original, from: CheckingMilters.alignedDomain,
                                                  by: CheckingMilters.untrustedForwarder)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.untrustedForwarder)
        #expect(reply.code == 550, "\(reply)\n\(stack.diagnostics(transport))")
        #expect(reply.text.hasPrefix("5.7.1 rejected by DMARC policy for \(CheckingMilters.alignedDomain)"), "\(reply)")
    }

    @Test("with the DNS server stopped, mail flows with temperror instead of a 4xx", arguments: MilterTransport.allCases)
    func dnsOutageGivesTemperror(transport: MilterTransport) throws {
        stack.milters.outageDNS.stop()
        let subject = CheckingMilters.uniqueSubject("dns-down", transport)
        let message = try stack.milters.message(from: CheckingMilters.alignedDomain, subject: subject, signed: true)
        let reply = try stack.send(message, over: transport, from: CheckingMilters.alignedDomain, outage: true)
        try #require(reply.code == 250, "\(reply)\n\(stack.diagnostics(transport))")

        let delivered = try stack.postfix.waitForDelivery(containing: subject)
        let ours = HeaderFields(message: delivered).authenticationResults(by: CheckingMilters.authservID)
        #expect(ours.count == 1, "\(delivered)")
        #expect(ours.first?.contains("dmarc=temperror") == true, "\(delivered)\n\(stack.diagnostics(transport))")
        #expect(ours.first?.contains("dkim=temperror") == true, "\(delivered)")
    }
}

/// One Postfix for the whole suite, started once because Postfix's start script takes seconds:
/// a listener per transport in front of the checking dmarcd, and one per transport in front of
/// the dmarcd whose DNS server goes away.
final class PostfixStack: Sendable {
    @TaskLocal static var current: PostfixStack?

    let milters: CheckingMilters
    /// The SMTP AUTH user every listener accepts.
    let sasl: SASLTestServer
    let postfix: PostfixTestServer

    init() throws {
        milters = try CheckingMilters()
        sasl = try SASLTestServer(user: "alice", password: "e2e-\(UUID().uuidString)")
        var listeners: [String: String] = [:]
        for transport in MilterTransport.allCases {
            listeners[Self.listener(transport, outage: false)] = milters.milter(transport).postfixAddress
            listeners[Self.listener(transport, outage: true)] = milters.outageMilter(transport).postfixAddress
        }
        for route in SigningRoute.signingDaemons {
            listeners[Self.listener(route)] = milters.signingMilter(route).postfixAddress
        }
        // Locally submitted mail goes to the checking daemon over TCP.
        postfix = try PostfixTestServer(listeners: listeners, hostName: CheckingMilters.authservID,
                                        nonSMTPDMilters: milters.milter(.tcp).postfixAddress, sasl: sasl)
    }

    func stop() {
        postfix.stop()
        sasl.stop()
        milters.stop()
    }

    /// Sends `message` from `sender@domain` through the listener in front of the daemon for
    /// `transport`.
    func send(_ message: [UInt8], over transport: MilterTransport, from domain: String,
              to recipient: String = CheckingMilters.recipient,
              clientAddress: String = CheckingMilters.checkedClient, outage: Bool = false,
              login: (user: String, password: String)? = nil) throws -> PostfixTestServer.SMTPReply {
        try send(message, listener: Self.listener(transport, outage: outage), from: domain, to: recipient,
                 clientAddress: clientAddress, login: login)
    }

    /// Sends `message` from `sender@domain` through the listener named `listener`, after an
    /// SMTP AUTH login with `login`.
    func send(_ message: [UInt8], listener: String, from domain: String, to recipient: String = CheckingMilters.recipient,
              clientAddress: String = CheckingMilters.checkedClient,
              login: (user: String, password: String)? = nil) throws -> PostfixTestServer.SMTPReply {
        try postfix.send(message, listener: listener, from: "bounce@\(domain)", to: [recipient], clientAddress: clientAddress,
                         login: login)
    }

    /// Both logs, for a failing test's message.
    func diagnostics(_ transport: MilterTransport) -> String {
        milters.logs(transport) + "\n" + postfix.maillogTail()
    }

    private static func listener(_ transport: MilterTransport, outage: Bool) -> String {
        outage ? "\(transport)-dns-down" : "\(transport)"
    }

    /// The listener in front of the daemon that signs the mail of `route`.
    static func listener(_ route: SigningRoute) -> String {
        guard CheckingMilters.otherCanonicalizations.contains(route.canonicalization) else {
            return listener(route.transport, outage: false)
        }
        return "signing-" + route.canonicalization.replacingOccurrences(of: "/", with: "-")
    }

    /// Starts the stack around the whole suite and stops it afterwards, whether tests failed
    /// or not.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(for test: Test, testCase: Test.Case?,
                          performing function: @Sendable () async throws -> Void) async throws {
            let stack = try PostfixStack()
            defer { stack.stop() }
            try await PostfixStack.$current.withValue(stack) {
                try await function()
            }
        }
    }

    static var scope: Scope { Scope() }
}

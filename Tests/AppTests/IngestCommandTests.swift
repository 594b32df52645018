import Foundation
import Store
import Testing
import TestSupport

/// `dmarcd ingest` as a postmaster runs it: on a directory of report files, on an mbox file, on
/// standard input, into the configured database.
@Suite(.serialized)
final class IngestCommandTests {
    let directory: URL
    let database: String

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("dmarcd-ingest-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = directory.appendingPathComponent("dmarcd.sqlite").path
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    func dmarcd(_ arguments: [String], input: [UInt8] = []) throws -> (status: Int32, lines: [String]) {
        let outcome = try TestProgram.outcome([BuiltProducts.executable("dmarcd"), "ingest"] + arguments
            + ["--builtin-defaults", "--set", "DatabasePath=\(database)"], input: input)
        return (outcome.status, String(decoding: outcome.output, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    func copy(_ corpusPath: String, to name: String) throws -> URL {
        let target = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.corpus(corpusPath), to: target)
        return target
    }

    @Test func aDirectoryIsReadRecursivelyAndASecondRunFindsDuplicates() throws {
        let reports = directory.appendingPathComponent("reports")
        _ = try copy("tierpod-dmarc-report-converter/testdata/test.xml.gz.gz", to: "reports/a/test.xml.gz.gz")
        _ = try copy("parsedmarc/samples/aggregate/twilight.eml", to: "reports/b/twilight.eml")
        _ = try copy("parsedmarc/samples/aggregate/invalid_xml.xml", to: "reports/invalid_xml.xml")
        let first = try dmarcd([reports.path])
        #expect(first.status == 1)
        try #require(first.lines.count == 4, "\(first.lines)")
        #expect(first.lines[0].hasPrefix("stored \(reports.path)/a/test.xml.gz.gz: "))
        #expect(first.lines[0].hasSuffix("(2 records, 7 messages)"))
        #expect(first.lines[1].hasPrefix("stored \(reports.path)/b/twilight.eml, part google.com!twlnet.com!1549756800!1549843199.zip, entry google.com!twlnet.com!1549756800!1549843199.xml: google.com 1627703331531660819 for twlnet.com"))
        #expect(first.lines[2] == "rejected \(reports.path)/invalid_xml.xml: not well-formed XML (error 5 at line 5, column 18)")
        #expect(first.lines[3] == "3 inputs: 2 reports stored, 0 duplicates, 1 rejected")
        try FileManager.default.removeItem(at: reports.appendingPathComponent("invalid_xml.xml"))
        let second = try dmarcd([reports.path])
        #expect(second.status == 0)
        #expect(second.lines.last == "2 inputs: 0 reports stored, 2 duplicates, 0 rejected")
        #expect(try HistoryStore.openForReading(path: database).receivedReportCount() == 2)
    }

    @Test func anMboxFileGivesOneLinePerMessage() throws {
        let messages = try ["stalwart-mail-auth/resources/dmarc-feedback/102.eml", "parsedmarc/samples/failure"].map { path in
            var url = Fixtures.corpus(path)
            if path.hasSuffix("failure") {
                let name = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted().first { $0.hasSuffix(".eml") }!
                url = url.appendingPathComponent(name)
            }
            return String(decoding: try Data(contentsOf: url), as: UTF8.self)
        }
        let mbox = directory.appendingPathComponent("reports.mbox")
        try Data(messages.map { "From MAILER-DAEMON Sat Nov 29 00:00:00 2025\n\($0)\n" }.joined().utf8).write(to: mbox)
        let result = try dmarcd([mbox.path])
        #expect(result.status == 1)
        try #require(result.lines.count == 3, "\(result.lines)")
        #expect(result.lines[0].hasPrefix("stored \(mbox.path), message 1, part mail.ru!stalw.art!1667865600!1667952000.xml.gz: Mail.Ru"))
        #expect(result.lines[1].hasPrefix("rejected \(mbox.path), message 2: the message holds no aggregate report"))
        #expect(result.lines[2] == "1 inputs: 1 reports stored, 0 duplicates, 1 rejected")
    }

    @Test func aMaildirIsReadFromCurAndNewOnly() throws {
        let maildir = directory.appendingPathComponent("Maildir")
        _ = try copy("stalwart-mail-auth/resources/dmarc-feedback/100.eml", to: "Maildir/cur/1764374400.M1P1.mx:2,S")
        _ = try copy("stalwart-mail-auth/resources/dmarc-feedback/101.eml", to: "Maildir/new/1764374401.M2P2.mx")
        _ = try copy("stalwart-mail-auth/resources/dmarc-feedback/102.eml", to: "Maildir/.DMARC/new/1764374402.M3P3.mx")
        try FileManager.default.createDirectory(at: maildir.appendingPathComponent(".DMARC/cur"), withIntermediateDirectories: true)
        // A delivery in progress and the mail system's bookkeeping are no input.
        _ = try copy("stalwart-mail-auth/resources/dmarc-feedback/103.eml", to: "Maildir/tmp/1764374403.M4P4.mx")
        try Data("3 V1 1\n".utf8).write(to: maildir.appendingPathComponent("dovecot-uidlist"))
        let result = try dmarcd([maildir.path])
        #expect(result.status == 0)
        try #require(result.lines.count == 4, "\(result.lines)")
        #expect(result.lines[0].hasPrefix("stored \(maildir.path)/cur/1764374400.M1P1.mx:2,S, part google.com!stalw.art"))
        #expect(result.lines[1].hasPrefix("stored \(maildir.path)/new/1764374401.M2P2.mx, part backschues.net!stalw.art"))
        #expect(result.lines[2].hasPrefix("stored \(maildir.path)/.DMARC/new/1764374402.M3P3.mx, part mail.ru!stalw.art"))
        #expect(result.lines[3] == "3 inputs: 3 reports stored, 0 duplicates, 0 rejected")
    }

    @Test func standardInputIsOneInput() throws {
        let bytes = Array(try Data(contentsOf: Fixtures.corpus("mail-dmarc/t/fixtures/test_dmarc.xml.zip")))
        let result = try dmarcd(["-"], input: bytes)
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("stored -, entry ") == true)
        #expect(result.lines.last == "1 inputs: 1 reports stored, 0 duplicates, 0 rejected")
    }
}

import Foundation
import Reporter
import Store
import Testing
import TestSupport

/// parsedmarc, the report parser many Domain Owners use, reads our gzip report and our report
/// e-mail with the same counts and results. It runs when parsedmarc is installed: at
/// `$DMARCD_PARSEDMARC`, or in the virtual environment `.build-venv/parsedmarc` of the package root
/// (`python3 -m venv .build-venv/parsedmarc && .build-venv/parsedmarc/bin/pip install parsedmarc`).
@Suite(.enabled(if: Parsedmarc.program != nil, "parsedmarc is not installed"))
struct ParsedmarcTests {

    struct Output: Decodable {
        struct Report: Decodable {
            struct Metadata: Decodable {
                var report_id: String
                var org_name: String
            }
            struct Policy: Decodable {
                var domain: String
                var p: String
            }
            struct Record: Decodable {
                struct Source: Decodable { var ip_address: String }
                struct Evaluated: Decodable {
                    var disposition: String
                    var dkim: String
                    var spf: String
                }
                struct Identifiers: Decodable { var header_from: String }
                var source: Source
                var count: Int
                var policy_evaluated: Evaluated
                var identifiers: Identifiers
            }
            var report_metadata: Metadata
            var policy_published: Policy
            var records: [Record]
        }
        var aggregate_reports: [Report]
    }

    @Test func parsedmarcReadsOurGzipReportWithTheSameCounts() throws {
        // Given our report as the .xml.gz file a Domain Owner receives
        let report = try ReportTestMessages.mixedReport()
        let name = try AggregateReportFileName(report: report, receiver: "mx.receiver.example")
        let gzip = try ReportCompression.gzip(AggregateReportXMLWriter.xml(report))

        // When parsedmarc parses it without any network lookups
        let parsed = try Self.parsedmarc(file: name.description, contents: gzip)

        // Then it finds the same report, records, counts and results
        try Self.expectSame(parsed, as: report)
    }

    @Test func parsedmarcFindsTheReportInOurEMail() throws {
        // Given the whole message a Domain Owner's report address receives
        let report = try ReportTestMessages.mixedReport()
        let mail = AggregateReportMail(from: "dmarc-reports@mx.receiver.example", to: ["d@example.com"],
                                       receiver: "mx.receiver.example", date: Date(timeIntervalSince1970: 1_764_374_460))
        let message = try mail.message(for: report, gzipData: try ReportCompression.gzip(AggregateReportXMLWriter.xml(report)))

        // When parsedmarc reads the e-mail, it unpacks the attachment to the same report
        try Self.expectSame(try Self.parsedmarc(file: "report.eml", contents: message), as: report)
    }

    @Test func parsedmarcCountsTheSchedulersReportAsTheHistoryDoes() async throws {
        // Given a day of history: 7 messages from three addresses, two of them failing DMARC
        let fixture = try Fixture()
        let day = ReportSchedulerTests.dayStart
        var records: [HistoryRecord] = []
        for index in 0..<7 {
            var record = Fixture.record(at: day.addingTimeInterval(Double(index) * 60), domain: "example.com",
                                        clientIP: "192.0.2.\(index % 3 + 1)")
            if index >= 5 {
                record.dmarcResult = .fail
                record.dkimAligned = false
                record.spfAligned = false
                record.disposition = .none
            }
            records.append(record)
        }
        try fixture.store.record(records)

        // When the scheduler builds and sends the day's report, and parsedmarc reads the mail
        await fixture.scheduler().runOnce(now: day.addingTimeInterval(86_400 + 120))
        let mail = try #require(fixture.transport.sent.first)
        let parsed = try Self.parsedmarc(file: "report.eml", contents: mail.message)

        // Then it counts what the history holds, address by address and result by result
        #expect(parsed.records.reduce(0) { $0 + $1.count } == records.count)
        let theirs = Dictionary(parsed.records.map { ("\($0.source.ip_address) \($0.policy_evaluated.dkim)", $0.count) },
                                uniquingKeysWith: +)
        let ours = Dictionary(records.map { ("\($0.clientIP!) \($0.dkimAligned ? "pass" : "fail")", 1) }, uniquingKeysWith: +)
        #expect(theirs == ours)
        #expect(parsed.policy_published.domain == "example.com")
    }

    @Test func parsedmarcReadsTheCorpusReportsAsWeStoreThem() throws {
        // Given every aggregate report of the shared corpus, stored by our ingest. A few files
        // are different documents under one reporter's report id: the first is stored, and the
        // others are read as duplicates, whose records are kept here to compare with.
        let fixture = try IntakeFixture()
        let paths = ReportIngestCorpusTests.corpusFiles.map { Fixtures.corpus($0).path }
        var duplicates: [String: [[String]]] = [:]
        for path in paths {
            for result in try fixture.intake.ingest(Array(try Fixtures.data(URL(fileURLWithPath: path))), source: path) {
                if case .duplicate(let report, _) = result {
                    duplicates[report.metadata.reportID, default: []].append(Self.records(report.records.map {
                        ($0.sourceIP.description, $0.count, $0.disposition.rawValue, $0.dkimAligned, $0.spfAligned)
                    }))
                }
            }
        }
        let ours = try fixture.store.receivedReports()

        // When parsedmarc reads the same files (it skips those it cannot parse, on standard error)
        let output = try TestProgram.outcome([try #require(Parsedmarc.program), "--offline"] + paths)
        let parsed = try JSONDecoder().decode(Output.self, from: Data(output.output)).aggregate_reports

        // Then each report it found is stored with the same records. parsedmarc lowercases the
        // organization's name and makes one up from the address when the report has none; we
        // keep what the report says. It also leaves header_from out of some reports, so that is
        // not compared.
        #expect(parsed.count >= 40, "\(output.errors)")
        for report in parsed {
            let metadata = report.report_metadata
            let stored = ours.filter { stored in
                stored.report.reportID == metadata.report_id
                    && (stored.report.orgName.isEmpty || stored.report.orgName.lowercased() == metadata.org_name.lowercased())
            }
            try #require(stored.count == 1, "\(metadata.org_name) \(metadata.report_id): \(stored.count) stored")
            let theirs = Self.records(report.records.map {
                ($0.source.ip_address, $0.count, $0.policy_evaluated.disposition, $0.policy_evaluated.dkim == "pass",
                 $0.policy_evaluated.spf == "pass")
            })
            let mine = Self.records(stored[0].report.records.map {
                ($0.sourceIP.description, $0.count, $0.disposition.rawValue, $0.dkimAligned, $0.spfAligned)
            })
            let readAlike = [mine] + (duplicates[metadata.report_id] ?? [])
            #expect(readAlike.contains(theirs), "\(metadata.org_name) \(metadata.report_id): \(theirs) vs \(readAlike)")
        }
    }

    /// Records as sorted lines of source, disposition, aligned DKIM and SPF, and the messages of
    /// all records alike in those: a report may list one message per record, which is the same.
    static func records(_ records: [(ip: String, count: Int, disposition: String, dkim: Bool, spf: Bool)]) -> [String] {
        let summed = records.reduce(into: [String: Int]()) { sums, record in
            sums["\(record.ip) \(record.disposition) \(record.dkim ? "pass" : "fail") \(record.spf ? "pass" : "fail")", default: 0]
                += record.count
        }
        return summed.map { "\($0.key) \($0.value)" }.sorted()
    }

    static func parsedmarc(file name: String, contents: [UInt8]) throws -> Output.Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-parsedmarc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(name)
        try Data(contents).write(to: file)
        let output = try TestProgram.run([try #require(Parsedmarc.program), "--offline", file.path])
        return try #require(try JSONDecoder().decode(Output.self, from: Data(output)).aggregate_reports.first)
    }

    static func expectSame(_ parsed: Output.Report, as report: AggregateReport) throws {
        #expect(parsed.report_metadata.report_id == report.metadata.reportID)
        #expect(parsed.report_metadata.org_name == report.metadata.orgName)
        #expect(parsed.policy_published.domain == report.policyDomain)
        #expect(parsed.policy_published.p == report.policyPublished.p?.rawValue)
        let theirs = parsed.records.map {
            "\($0.source.ip_address) \($0.count) \($0.policy_evaluated.disposition) \($0.policy_evaluated.dkim) \($0.policy_evaluated.spf) \($0.identifiers.header_from)"
        }
        let ours = report.records.map {
            "\($0.sourceIP) \($0.count) \($0.disposition.rawValue) \($0.dkimAligned ? "pass" : "fail") \($0.spfAligned ? "pass" : "fail") \($0.headerFrom)"
        }
        #expect(theirs.sorted() == ours.sorted())
        #expect(parsed.records.reduce(0) { $0 + $1.count } == report.messageCount)
    }
}

enum Parsedmarc {
    static let program: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["DMARCD_PARSEDMARC"],
                                     Fixtures.packageRoot.appendingPathComponent(".build-venv/parsedmarc/bin/parsedmarc").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}

import Auth
import DNS
import Foundation
import Logging
import Reporter
import Store

extension Configuration {
    /// `ReportSMTPTLS`: how report mail to the smarthost is protected.
    public enum ReportSMTPTLS: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// STARTTLS (RFC 3207) with the certificate verified, before any AUTH or mail.
        case starttls
        /// Plain SMTP, for a smarthost on this host.
        case none

        public var description: String { rawValue }
    }

    /// The transport for reports: the smarthost of `ReportSMTPHost` when set (with
    /// `ReportSMTPTLS`, `ReportSMTPCAFile`, `ReportSMTPUser`, `ReportSMTPPasswordFile`), else the
    /// `ReportCommand` pipe. `hostName` is the EHLO name.
    func reportTransport(hostName: String) throws -> any ReportTransport {
        guard let smarthost = reportSMTPHost else {
            guard let transport = SendmailTransport(commandLine: reportCommand) else {
                throw ConfigurationLoadError("ReportCommand \"\(reportCommand)\" has no program or an unclosed quote")
            }
            return transport
        }
        var credentials: SMTPTransport.Credentials?
        if let user = reportSMTPUser {
            guard let file = reportSMTPPasswordFile else {
                throw ConfigurationLoadError("ReportSMTPUser is set but ReportSMTPPasswordFile is not")
            }
            credentials = SMTPTransport.Credentials(user: user, password: try Self.password(in: file))
        }
        let settings = SMTPTransport.Settings(
            host: smarthost.host, port: Int(smarthost.port),
            security: reportSMTPTLS == .starttls ? .startTLS : .none,
            caFile: reportSMTPCAFile, credentials: credentials, heloName: hostName)
        do {
            return try SMTPTransport(settings: settings)
        } catch {
            throw ConfigurationLoadError("ReportSMTPCAFile \(reportSMTPCAFile ?? "(system)"): \(error)")
        }
    }

    /// Which `rua` destinations get reports: `ReportURIsPerDomain`, `NoReportsList`, and
    /// Organizational Domains decided as `DMARCStandard` says.
    func reportDestinationChecker(resolver: any DNSResolver) throws -> ReportDestinationChecker {
        var exclusions = ReportExclusionList()
        if let file = noReportsListFile {
            do {
                exclusions = ReportExclusionList(text: try String(contentsOfFile: file, encoding: .utf8))
            } catch {
                throw ConfigurationLoadError("NoReportsList \(file): \(error.localizedDescription)")
            }
        }
        let dmarc = try authenticatorSettings(hostName: "localhost").dmarc
        return ReportDestinationChecker(
            resolver: resolver, organizationalDomains: DMARCEvaluator(resolver: resolver, configuration: dmarc),
            settings: .init(destinationsPerDomain: reportURIsPerDomain, exclusions: exclusions))
    }

    /// `ReportInterval`: seconds that divide a day, so that windows line up with UTC days.
    static func reportInterval(parsing text: String) throws(ConfigurationValueError) -> Int {
        guard let seconds = Int(text), seconds > 0, 86_400 % seconds == 0 else {
            throw ConfigurationValueError("\"\(text)\" is not a number of seconds that divides a day (86400)")
        }
        return seconds
    }

    /// A whole number of at least 0.
    static func count(parsing text: String) throws(ConfigurationValueError) -> Int {
        guard let number = Int(text), number >= 0 else {
            throw ConfigurationValueError("\"\(text)\" is not a whole number of at least 0")
        }
        return number
    }

    /// Who the reports say they come from: `ReportEmail`, `ReportingOrganization` and
    /// `ReportContactInfo`, with OpenDMARC's defaults from `hostName`.
    func reportIdentity(hostName: String) -> AggregateReportBuilder.Reporter {
        let labels = hostName.lowercased().split(separator: ".")
        let hostDomain = labels.count > 2 ? labels.dropFirst().joined(separator: ".") : labels.joined(separator: ".")
        let email = reportEmail ?? "postmaster@\(hostDomain)"
        let emailDomain = email.split(separator: "@").last.map { String($0).lowercased() } ?? hostDomain
        return AggregateReportBuilder.Reporter(orgName: reportingOrganization ?? emailDomain, email: email,
                                               domain: emailDomain, extraContactInfo: reportContactInfo,
                                               generator: "dmarcd \(DmarcdVersion.current)")
    }

    /// The scheduler's settings from the `Report*` keys. Windows shorter than the usual day look
    /// and retry sooner: at most every quarter window, the first retry after one window. Sent
    /// reports stay in the outbox as long as messages stay in the history (`HistoryRetention`).
    /// Without `buildsAggregateReports` (the daemon with `AggregateReports` off) the scheduler
    /// only delivers what the outbox holds, failure reports, and `ReportEmail` need not name
    /// report files; the `report` commands build whatever `AggregateReports` says. The reports
    /// sign with `keyring`, the daemon's keys, or else with the keys read from their files now.
    func reportSchedulerSettings(hostName: String, buildsAggregateReports: Bool = true,
                                 keyring: DKIMSigningKeyring? = nil) throws -> ReportScheduler.Settings {
        let schedule: ReportSchedule
        do {
            schedule = try ReportSchedule(interval: Int64(reportInterval))
        } catch {
            throw ConfigurationLoadError("ReportInterval \(reportInterval): \(error)")
        }
        let reporter = reportIdentity(hostName: hostName)
        do {
            if buildsAggregateReports {
                _ = try AggregateReportFileName(receiver: reporter.domain, policyDomain: "example.com", begin: 0, end: 1,
                                                uniqueID: nil)
            }
        } catch {
            throw ConfigurationLoadError("""
                ReportEmail \(reporter.email): its domain names the report files (RFC 9990 section 3.5.2), \
                but \(error); set ReportEmail to an address at this site's domain
                """)
        }
        var settings = ReportScheduler.Settings(
            reporter: reporter, schedule: schedule,
            retryTime: TimeInterval(reportRetryTime), firstRetryDelay: TimeInterval(min(300, reportInterval)),
            dailyCap: reportDailyLimit == 0 ? nil : reportDailyLimit,
            pollInterval: .seconds(min(60, max(1, reportInterval / 4))),
            outboxRetention: historyRetentionDays == 0 ? nil : TimeInterval(historyRetentionDays * 86_400),
            buildsAggregateReports: buildsAggregateReports)
        settings.signingKeys = try keyring ?? DKIMSigningKeyring(signingKeys())
        return settings
    }

    /// What the scheduler needs besides the database: its settings, the transport and the
    /// destination checks. Building it checks the `Report*` keys before the daemon starts.
    /// `signingKeys` are the daemon's keys, which a SIGHUP replaces; without, the keys are read now,
    /// once.
    func reportScheduler(resolver: any DNSResolver, hostName: String, buildsAggregateReports: Bool = true,
                         signingKeys: DKIMSigningKeyring? = nil,
                         logger: Logger) throws -> @Sendable (HistoryStore) -> ReportScheduler {
        let settings = try reportSchedulerSettings(hostName: hostName, buildsAggregateReports: buildsAggregateReports,
                                                   keyring: signingKeys)
        let transport = try reportTransport(hostName: hostName)
        let checker = try reportDestinationChecker(resolver: resolver)
        return { store in
            ReportScheduler(settings: settings, store: store, transport: transport, checker: checker, logger: logger)
        }
    }

    /// The first line of `file`, the smarthost password.
    private static func password(in file: String) throws -> String {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationLoadError("ReportSMTPPasswordFile \(file): \(error.localizedDescription)")
        }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !password.isEmpty else { throw ConfigurationLoadError("ReportSMTPPasswordFile \(file) is empty") }
        return password
    }
}

extension ConfigurationValueSyntax where Value == Int {
    /// A whole number of at least 1.
    static var positiveInteger: Self {
        .parsed("integer, 1 or more") { text throws(ConfigurationValueError) in
            guard let number = Int(text), number >= 1 else {
                throw ConfigurationValueError("\"\(text)\" is not a whole number of at least 1")
            }
            return number
        }
    }
}

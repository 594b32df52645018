import Auth
import DNS
import Foundation
import Reporter

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

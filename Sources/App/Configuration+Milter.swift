import Auth
import DNS
import Foundation
import Milter

extension Configuration {
    /// How the milter treats mail, from `RejectFailures`, `RejectString`,
    /// `HoldQuarantinedMessages`, `IgnoreHosts`, `IgnoreAuthenticatedClients`, `IgnoreMailFrom`,
    /// `IgnoreMailTo`, `ReportEmail`, `ReportMailbox`, `ReportMailboxDiscard`, `SoftwareHeader`,
    /// `RequiredHeaders`, `RequiredFrom`, `CopyFailuresTo`, `AuthservID`, `AuthservIDWithJobID`, and for
    /// signing `Sign`, `KeyTable`, `SigningTable`, `InternalHosts` and `Canonicalization`.
    func milterFilterSettings(hostName: String) throws -> MilterFilterSettings {
        var settings = MilterFilterSettings(authenticator: try authenticatorSettings(hostName: hostName))
        // OpenDMARC names the MTA's host when AuthservID is unset; the MTA says it in macro `j`.
        settings.authservIDFromMTA = authservID == nil
        settings.authservIDWithQueueID = authservIDWithJobID
        settings.rejectFailures = rejectFailures
        settings.rejectText = rejectString
        settings.holdQuarantined = holdQuarantinedMessages
        settings.ignoreAuthenticatedClients = ignoreAuthenticatedClients
        settings.ignoredFromDomains = Set(ignoreMailFrom)
        settings.unrecordedRecipients = Set((ignoreMailTo + [reportEmail].compactMap { $0 } + reportMailboxes)
            .map(MilterFilterSettings.plainAddress))
        settings.reportMailboxes = Set(reportMailboxes.map(MilterFilterSettings.plainAddress))
        settings.discardReportMailboxMail = reportMailboxDiscard
        settings.softwareHeader = softwareHeader ? "dmarcd \(DmarcdVersion.current)" : nil
        settings.requiredHeaders = requiredHeaders
        settings.requiredFrom = requiredFrom
        settings.copyFailuresTo = copyFailuresTo.map { $0.hasPrefix("<") ? $0 : "<\($0)>" }
        settings.failureReportsIncludeMessage = failureReportsIncludeMessage
        if let ignoreHostsFile {
            (settings.ignoredNetworks, settings.ignoredHostNames) = try Self.ignoredHosts(inFile: ignoreHostsFile)
        }
        settings.signingKeys = try signingKeys()
        if let internalHostsFile {
            (settings.internalNetworks, settings.internalHostNames) = try Self.ignoredHosts(inFile: internalHostsFile,
                                                                                          key: "InternalHosts")
        }
        return settings
    }

    /// Where the milter listens, from `Socket`.
    var milterServerAddresses: [MilterServerAddress] {
        sockets.map { socket in
            switch socket {
            case .inet(let host, let port): .inet(host: host, port: Int(port))
            case .inet6(let host, let port): .inet6(host: host, port: Int(port))
            case .unix(let path): .unix(path: path)
            }
        }
    }

    /// The addresses, CIDR blocks and host names of an `IgnoreHosts` or `InternalHosts` file: one a line, `#`
    /// starts a comment. Names are lower-cased.
    static func ignoredHosts(inFile path: String, key: String = "IgnoreHosts") throws -> ([MilterFilterSettings.Network], Set<String>) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationLoadError("\(key) \(path): \(error.localizedDescription)")
        }
        var networks: [MilterFilterSettings.Network] = []
        var names: Set<String> = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let parts = line.split(separator: "/", maxSplits: 1)
            guard let address = IPAddress(parts[0]) else {
                guard line.isHostName else {
                    throw ConfigurationLoadError(
                        "\(key) \(path) line \(number + 1): \"\(line)\" is not a host name, IP address or CIDR block")
                }
                names.insert(line.lowercased())
                continue
            }
            let maximum = address.isIPv4 ? 32 : 128
            guard parts.count == 2 else {
                networks.append(.init(address))
                continue
            }
            guard let length = Int(parts[1]), (0...maximum).contains(length) else {
                throw ConfigurationLoadError("\(key) \(path) line \(number + 1): \"\(parts[1])\" is not a prefix length from 0 to \(maximum)")
            }
            networks.append(.init(address, prefixLength: length))
        }
        return (networks, names)
    }
}

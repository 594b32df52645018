import Auth
import DNS
import Foundation

extension Configuration {
    /// How the message checks are set up from `AuthservID`, `TrustedAuthservIDs`,
    /// `SPFSelfValidate`, `DMARCStandard`, `PublicSuffixList`, `MultiValueFrom`,
    /// `RejectMultiValueFrom`, `TrustedARCSealers` and `TrustedARCSealersFile`. `hostName` stands in for an unset AuthservID or `HOSTNAME`.
    func authenticatorSettings(hostName: String) throws -> MessageAuthenticator.Settings {
        let mode: DMARCEvaluator.Mode
        switch dmarcStandard {
        case .rfc9989:
            mode = .rfc9989
        case .rfc7489:
            let file = publicSuffixListFile ?? PublicSuffixList.debianPath
            do {
                mode = .rfc7489(try PublicSuffixList(contentsOfFile: file))
            } catch {
                throw ConfigurationLoadError("PublicSuffixList \(file): \(error)")
            }
        }
        let handling: DMARCEvaluator.AuthorDomainHandling = switch rejectMultiValueFrom ? .reject : multiValueFrom {
        case .reject: .reject
        case .evaluate: .evaluateEach
        case .skip: .skip
        }
        let id = authservID.flatMap { $0 == "HOSTNAME" ? nil : $0 } ?? hostName
        return MessageAuthenticator.Settings(
            authservID: id, dmarc: .init(mode: mode, authorDomainHandling: handling),
            trustedAuthservIDs: Set(effectiveTrustedAuthservIDs.map { $0 == "HOSTNAME" ? hostName : $0 }),
            checksSPF: spfSelfValidate,
            trustedARCSealers: try allTrustedARCSealers())
    }

    /// `TrustedARCSealers` and the domains of `TrustedARCSealersFile`, lower-cased.
    func allTrustedARCSealers() throws -> Set<String> {
        var sealers = Set(trustedARCSealers.map { $0.lowercased() })
        guard let file = trustedARCSealersFile else { return sealers }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationLoadError("TrustedARCSealersFile \(file): \(error.localizedDescription)")
        }
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard line.isHostName else {
                throw ConfigurationLoadError("TrustedARCSealersFile \(file) line \(number + 1): \"\(line)\" is not a domain name")
            }
            sealers.insert(line.lowercased())
        }
        return sealers
    }

    /// How the DNS resolver is set up from `Nameservers`, `DNSTimeout` and `DNSSECTrustAnchorFile`.
    var resolverOptions: UnboundResolver.Options {
        UnboundResolver.Options(
            forwarders: nameservers.map(\.description),
            timeout: dnsTimeout,
            trustAnchorFile: dnssecTrustAnchorFile
        )
    }
}

/// A setting names something that cannot be used; the text says which and why.
struct ConfigurationLoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

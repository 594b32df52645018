import Auth
import DNS
import Foundation

extension Configuration {
    /// How the message checks are set up from `AuthservID`, `TrustedAuthservIDs`,
    /// `SPFSelfValidate`, `DMARCStandard`, `PublicSuffixList`, `MultiValueFrom` and
    /// `RejectMultiValueFrom`. `hostName` stands in for an unset AuthservID or `HOSTNAME`.
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
            checksSPF: spfSelfValidate)
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

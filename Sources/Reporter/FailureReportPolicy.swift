import Auth

/// Whether a checked message gets a DMARC failure report, and which of its policy record's
/// `ruf` URIs ask for one (RFC 9991 §2, RFC 9989 §4.7). The destinations still need
/// ``ReportDestinationChecker`` with ``ReportDestinationChecker/ReportKind/failure``.
public struct FailureReportPolicy: Sendable, Hashable {
    /// Why a message gets no failure report.
    public enum Skip: Sendable, Hashable, CustomStringConvertible {
        /// No DMARC Policy Record applied, or no single Author Domain.
        case noPolicyRecord
        /// The record's `fo` options are not met by the message's results.
        case optionsNotMet
        /// The record asks for `p=none` and `FailureReportsOnNone` is off.
        case policyNone
        /// The record has no usable `ruf` and no copy address is configured.
        case noDestination

        public var description: String {
            switch self {
            case .noPolicyRecord: "no DMARC policy record applies"
            case .optionsNotMet: "the record's fo= options do not ask for a report on these results"
            case .policyNone: "the policy is p=none and FailureReportsOnNone is off"
            case .noDestination: "no ruf= destination and no FailureReportsBcc"
            }
        }
    }

    /// What the policy decided.
    public enum Decision: Sendable, Hashable {
        /// Report to the `ruf` URIs (possibly none, when only the copies get it), for the
        /// policy record found at `policyDomain`.
        case report(policyDomain: String, uris: [DMARCReportURI])
        case skip(Skip)
    }

    /// Also report for domains whose policy is `p=none` (`FailureReportsOnNone`).
    public var reportsOnNone: Bool
    /// Whether copies go to local addresses (`FailureReportsBcc`), so that a record without
    /// `ruf` still leads to a report.
    public var hasCopyAddresses: Bool

    public init(reportsOnNone: Bool = false, hasCopyAddresses: Bool = false) {
        self.reportsOnNone = reportsOnNone
        self.hasCopyAddresses = hasCopyAddresses
    }

    /// The decision for a message with `verdict`.
    public func decision(for verdict: MessageVerdict) -> Decision {
        let dmarc = verdict.dmarc
        guard let record = dmarc.record, dmarc.authorDomain != nil,
            let policyDomain = dmarc.policyDomain ?? dmarc.authorDomain
        else { return .skip(.noPolicyRecord) }
        // RFC 9989 §4.7: fo is ignored without ruf, which leaves its default 0.
        let options: [DMARCRecord.FailureReportOption] =
            record.failureReportURIs.isEmpty ? [.allFail] : record.failureReportOptions
        guard Self.optionsMet(options, verdict: verdict) else { return .skip(.optionsNotMet) }
        let policy = dmarc.appliedPolicy?.policy ?? record.policy
        if policy == DMARCPolicy.none || policy == nil, !reportsOnNone { return .skip(.policyNone) }
        // RFC 9991 §2: ruf in a record with psd=y is not considered.
        let uris = record.publicSuffix == .yes ? [] : record.failureReportURIs
        guard !uris.isEmpty || hasCopyAddresses else { return .skip(.noDestination) }
        return .report(policyDomain: policyDomain, uris: uris)
    }

    /// RFC 9989 §4.7 `fo`. For `d` and `s` this reporter sends its DMARC failure report rather
    /// than the DKIM- or SPF-specific formats, which RFC 9991 §3 leaves to the receiver.
    static func optionsMet(_ options: [DMARCRecord.FailureReportOption], verdict: MessageVerdict) -> Bool {
        let dmarc = verdict.dmarc
        // A temperror or permerror evaluation says nothing about alignment.
        guard dmarc.result == .pass || dmarc.result == .fail else { return false }
        return options.contains { option in
            switch option {
            case .allFail:
                return !dmarc.spfAligned && !dmarc.dkimAligned
            case .anyFail:
                return !dmarc.spfAligned || !dmarc.dkimAligned
            case .dkim:
                // A signature that was checked and did not verify, or could not be used.
                return verdict.dkim.contains { $0.status == .fail || $0.status == .permerror }
            case .spf:
                guard let spf = verdict.spf else { return false }
                return spf.result == .fail || spf.result == .softfail || spf.result == .permerror
            }
        }
    }
}

import Auth
import Store

extension HistoryRecord.PublishedPolicy {
    /// The configuration as an aggregate report shows it (RFC 9990 §3.1.1.5, "Unspecified tags
    /// have their default values"): `p` without a valid value counts as `none` (RFC 9989 §4.10.1),
    /// `sp` defaults to `p` and `np` to `sp` (RFC 9989 §4.7). Tags the report has no element for
    /// (`rua`, `ruf`, `pct`, `psd`) are left out, so that a report read back from its XML equals
    /// the one written.
    public var asReported: Self {
        let p = self.p ?? .none
        let sp = self.sp ?? p
        return Self(p: p, sp: sp, np: np ?? sp, adkim: adkim, aspf: aspf, isTesting: isTesting,
                    failureReportOptions: failureReportOptions.flatMap { $0.isEmpty ? nil : $0 },
                    discoveryMethod: discoveryMethod)
    }
}

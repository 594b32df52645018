/// One thing the doctor found about a site's setup, said so that a postmaster can act on it.
public struct Finding: Sendable, Hashable, Codable {
    /// How much the finding matters.
    public enum Level: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
        /// As it should be; the summary says what was checked.
        case ok
        /// Works, but loses mail, reports or protection in some cases.
        case warn
        /// Broken: mail is rejected, unprotected or unreported because of it.
        case error

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var level: Level
    /// A stable identifier of the check, e.g. `spf.lookups`, for scripts and the JSON output.
    public var check: String
    /// The domain the finding is about; nil for the site itself (Postfix, the resolver).
    public var domain: String?
    /// One line saying what was found.
    public var summary: String
    /// Why it matters, with the RFC section when one says so.
    public var why: String?
    /// The exact record to publish or line to change, when there is one.
    public var fix: String?

    public init(_ level: Level, _ check: String, domain: String?, summary: String, why: String? = nil,
                fix: String? = nil) {
        self.level = level
        self.check = check
        self.domain = domain
        self.summary = summary
        self.why = why
        self.fix = fix
    }
}

extension [Finding] {
    /// The most severe level among the findings; ok when there are none.
    public var worstLevel: Finding.Level {
        map(\.level).max() ?? .ok
    }
}

import Auth
import Foundation
import Store

// The data of the pages, as `/api/v1/…` returns it in JSON; the HTML pages render the same values.

/// One message of the history.
struct MessageModel: Encodable, Sendable {
    struct Policy: Encodable, Sendable {
        var domain: String
        var p: String?
        var sp: String?
        var np: String?
        var adkim: String?
        var aspf: String?
        var testing: Bool?
        var pct: Int?
        var psd: String?
        var rua: [String]
        var discovery: String?
    }

    struct SPF: Encodable, Sendable {
        var domain: String
        var scope: String
        var result: String
        var reason: String?
    }

    struct DKIM: Encodable, Sendable {
        var domain: String?
        var selector: String?
        var result: String
        var keyBits: Int?
        var reason: String?
    }

    var id: Int64
    var time: Date
    var queueID: String?
    var reporter: String?
    var clientIP: String?
    var helo: String?
    var mailFromDomain: String?
    var recipientDomains: [String]
    var headerFromDomain: String?
    var from: String?
    var subject: String?
    var policy: Policy?
    var spf: SPF?
    var dkim: [DKIM]
    var arc: String?
    var dmarc: String
    var spfAligned: Bool
    var dkimAligned: Bool
    var requestedDisposition: String
    var disposition: String
    var overrideReason: String?
    var overrideComment: String?
    /// Why it passed or failed, in sentences.
    var explanation: String

    init(_ record: HistoryRecord) {
        id = record.id ?? 0
        time = record.time
        queueID = record.queueID
        reporter = record.reporter
        clientIP = record.clientIP
        helo = record.helo
        mailFromDomain = record.mailFromDomain
        recipientDomains = record.recipientDomains
        headerFromDomain = record.headerFromDomain
        from = record.fromField
        subject = record.subject
        policy = record.policyDomain.flatMap { domain in
            record.policy.map { policy in
                Policy(domain: domain, p: policy.p?.rawValue, sp: policy.sp?.rawValue, np: policy.np?.rawValue,
                       adkim: policy.adkim?.rawValue, aspf: policy.aspf?.rawValue, testing: policy.isTesting,
                       pct: policy.percent, psd: policy.publicSuffix?.rawValue, rua: policy.aggregateReportURIs,
                       discovery: policy.discoveryMethod?.rawValue)
            }
        }
        spf = record.spf.map { SPF(domain: $0.domain, scope: $0.scope.rawValue, result: $0.result, reason: $0.humanResult) }
        dkim = record.dkim.map {
            DKIM(domain: $0.domain, selector: $0.selector, result: $0.result, keyBits: $0.keyBits, reason: $0.humanResult)
        }
        arc = record.arcResult
        dmarc = record.dmarcResult.rawValue
        spfAligned = record.spfAligned
        dkimAligned = record.dkimAligned
        requestedDisposition = record.requestedDisposition.rawValue
        disposition = record.disposition.rawValue
        overrideReason = record.overrideReason?.rawValue
        overrideComment = record.overrideComment
        explanation = record.explanation ?? Self.explanation(ofImported: record)
    }

    /// OpenDMARC's history keeps results without reasons: say what is known.
    static func explanation(ofImported record: HistoryRecord) -> String {
        var lines = ["Imported from OpenDMARC's history\(record.reporter.map { " (written by \($0))" } ?? ""); it keeps results, not reasons."]
        if let spf = record.spf {
            lines.append("SPF \(spf.result) for \(spf.domain) (\(spf.scope == .helo ? "HELO" : "MAIL FROM")).")
        } else {
            lines.append("SPF not recorded.")
        }
        if record.dkim.isEmpty { lines.append("No DKIM signature recorded.") }
        for signature in record.dkim {
            lines.append("DKIM \(signature.result) for d=\(signature.domain ?? "?").")
        }
        let alignment = record.spfAligned || record.dkimAligned
            ? "an aligned \([record.spfAligned ? "SPF" : nil, record.dkimAligned ? "DKIM" : nil].compactMap { $0 }.joined(separator: " and ")) pass"
            : "no aligned pass"
        lines.append("DMARC \(record.dmarcResult.rawValue) for \(record.headerFromDomain ?? "an unknown From domain"): \(alignment).")
        return lines.joined(separator: "\n")
    }
}

/// Messages counted, with their shares as the pages show them.
struct CountsModel: Encodable, Sendable {
    var messages: Int
    var dmarcPass: Int
    var dmarcFail: Int
    var dmarcNone: Int
    var dmarcError: Int
    var spfAligned: Int
    var dkimAligned: Int
    var quarantined: Int
    var rejected: Int

    init(_ counts: MessageCounts) {
        messages = counts.messages
        dmarcPass = counts.dmarcPass
        dmarcFail = counts.dmarcFail
        dmarcNone = counts.dmarcNone
        dmarcError = counts.dmarcError
        spfAligned = counts.spfAligned
        dkimAligned = counts.dkimAligned
        quarantined = counts.quarantined
        rejected = counts.rejected
    }
}

/// The counts of one From domain or one sending address.
struct KeyedCountsModel: Encodable, Sendable {
    var key: String
    var counts: CountsModel

    init(_ keyed: KeyedMessageCounts) {
        key = keyed.key
        counts = CountsModel(keyed.counts)
    }
}

/// The counts of one UTC day.
struct DayModel: Encodable, Sendable {
    var day: String
    var counts: CountsModel

    init(_ daily: DailyMessageCounts) {
        day = StatusFormat.day(daily.day)
        counts = CountsModel(daily.counts)
    }
}

/// The daemon's health.
struct HealthModel: Encodable, Sendable {
    var healthy: Bool
    var problems: [String]
    var version: String
    var startedAt: Date
    var uptimeSeconds: Int
    var dnsForwarders: [String]
    var databasePath: String
    var databaseBytes: Int
    var writerQueue: Int
    var writerQueueCapacity: Int
    var writtenRecords: Int
    var droppedRecords: Int
    var lastCommit: Date?
    var lastError: String?
    /// The report scheduler's last pass; nil before the first, or without the history.
    var lastReportRun: ReportRunModel?

    init(_ status: DaemonStatus, version: String, databaseBytes: Int, lastReportRun: ReportRunModel?, now: Date) {
        problems = status.problems
        healthy = problems.isEmpty
        self.version = version
        startedAt = status.startedAt
        uptimeSeconds = max(0, Int(now.timeIntervalSince(status.startedAt)))
        dnsForwarders = status.dnsForwarders
        databasePath = status.databasePath
        self.databaseBytes = databaseBytes
        writerQueue = status.historyWriter.queuedRecords
        writerQueueCapacity = status.historyWriter.queueCapacity
        writtenRecords = status.historyWriter.writtenRecords
        droppedRecords = status.historyWriter.droppedRecords
        lastCommit = status.historyWriter.lastCommit
        lastError = status.historyWriter.lastError
        self.lastReportRun = lastReportRun
    }
}

/// The overview: counts of the last day, week and month, the month day by day, the busiest
/// domains and the sources that fail most.
struct OverviewModel: Encodable, Sendable {
    var generatedAt: Date
    /// Each from the start of the hour that was that long ago.
    var last24Hours: CountsModel
    var last7Days: CountsModel
    var last30Days: CountsModel
    var days: [DayModel]
    var topDomains: [KeyedCountsModel]
    var topFailingSources: [KeyedCountsModel]
    var health: HealthModel
}

/// One sending domain: its month, day by day, the policy it publishes and where its mail came from.
struct DomainModel: Encodable, Sendable {
    struct PublishedPolicy: Encodable, Sendable {
        var policyDomain: String
        var seen: Date
        var policy: MessageModel.Policy
    }

    var domain: String
    var last30Days: CountsModel
    var days: [DayModel]
    var policy: PublishedPolicy?
    var sources: [KeyedCountsModel]
}

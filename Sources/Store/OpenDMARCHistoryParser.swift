import Auth
import Foundation

/// Reads OpenDMARC's history file: records of `key value` lines, each record starting at its
/// `job` line, as OpenDMARC 1.4.2's milter appends them.
///
/// A record that cannot be understood is reported with its first line and skipped; reading
/// goes on with the next `job` line.
struct OpenDMARCHistoryParser {
    /// A record that was not imported, and why.
    struct Problem: Error, Sendable, Hashable {
        var line: Int
        var reason: String
    }

    /// One record as written, before its codes are translated.
    private struct Fields {
        var firstLine: Int
        var values: [(key: String, value: String, line: Int)] = []
    }

    private var current: Fields?
    private var lineNumber = 0

    /// Feeds one line (without its line feed); returns the record the line ended, or the problem
    /// that kept it out. Works on bytes: history files run to millions of lines.
    mutating func line(_ bytes: ArraySlice<UInt8>) -> Result<HistoryRecord, Problem>? {
        lineNumber += 1
        var end = bytes.endIndex
        if end > bytes.startIndex, bytes[end - 1] == 0x0D { end -= 1 }
        var keyEnd = bytes.startIndex
        while keyEnd < end, bytes[keyEnd] != 0x20, bytes[keyEnd] != 0x09 { keyEnd += 1 }
        var valueStart = keyEnd
        while valueStart < end, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        if keyEnd == bytes.startIndex && valueStart == end { return nil }
        // Keys are short enough for Swift's inline small strings: no allocation.
        let key = String(decoding: bytes[bytes.startIndex..<keyEnd], as: UTF8.self)
        let value = String(decoding: bytes[valueStart..<end], as: UTF8.self)
        if key == "job" {
            let finished = finish()
            current = Fields(firstLine: lineNumber, values: [(key, value, lineNumber)])
            return finished
        }
        guard current != nil else {
            return .failure(Problem(line: lineNumber, reason: "\"\(key)\" line before the first job line"))
        }
        current!.values.append((key, value, lineNumber))
        return nil
    }

    /// Ends the last record at the end of the file.
    mutating func finish() -> Result<HistoryRecord, Problem>? {
        guard let fields = current else { return nil }
        current = nil
        return Result { () throws(Problem) -> HistoryRecord in try Self.record(fields) }
    }

    /// Translates OpenDMARC's numeric codes (see the table in each helper) into the history's
    /// RFC 9990 names.
    private static func record(_ fields: Fields) throws(Problem) -> HistoryRecord {
        var job: String?
        var reporter: String?
        var received: Int?
        var ip: String?
        var from: String?
        var mailFrom: String?
        var spfCode: Int?
        var spfScope = HistoryRecord.SPF.Scope.mfrom
        var dkim: [HistoryRecord.DKIMSignature] = []
        var policyDomain: String?
        var policyCode: Int?
        var rua: [String] = []
        var percent: Int?
        var adkim: DMARCRecord.AlignmentMode?
        var aspf: DMARCRecord.AlignmentMode?
        var p: DMARCPolicy?
        var sp: DMARCPolicy?
        var failureOptions: String?
        var dkimAligned = false
        var spfAligned = false
        var arcCode: Int?
        var arcChainEmpty = true
        var action: Int?

        func number(_ value: String, _ line: Int, _ key: String) throws(Problem) -> Int {
            guard let number = Int(value) else {
                throw Problem(line: line, reason: "\(key) \"\(value)\" is not a number")
            }
            return number
        }

        for (key, value, line) in fields.values {
            switch key {
            case "job": job = value
            case "reporter": reporter = value
            case "received": received = try number(value, line, key)
            case "ipaddr": ip = value
            case "from": from = value.lowercased()
            case "mfrom": mailFrom = value.lowercased()
            case "spf":
                // Written once per record; should there be several, the last one counts.
                spfCode = try number(value, line, key)
            case "spf_scope":
                guard let scope = HistoryRecord.SPF.Scope(rawValue: value) else {
                    throw Problem(line: line, reason: "spf_scope \"\(value)\" is not mfrom or helo")
                }
                spfScope = scope
            case "dkim":
                let parts = value.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count == 3, let code = Int(parts[2]), let result = dkimResult(code) else {
                    throw Problem(line: line, reason: "dkim \"\(value)\" is not DOMAIN SELECTOR CODE")
                }
                dkim.append(.init(domain: parts[0].lowercased(), selector: parts[1] == "-" ? nil : String(parts[1]),
                                  result: result))
            case "pdomain": policyDomain = value.lowercased()
            case "policy": policyCode = try number(value, line, key)
            case "rua": if value != "-" { rua.append(value) }
            case "pct": percent = try number(value, line, key)
            case "adkim": adkim = try alignment(number(value, line, key), line, key)
            case "aspf": aspf = try alignment(number(value, line, key), line, key)
            case "p": p = try policy(number(value, line, key), line, key)
            case "sp": sp = try policy(number(value, line, key), line, key)
            case "fo": failureOptions = value
            case "align_dkim": dkimAligned = try number(value, line, key) == 4
            case "align_spf": spfAligned = try number(value, line, key) == 4
            case "arc": arcCode = try number(value, line, key)
            case "arc_policy":
                // `<code> json:[…]`; an empty list means no ARC set was there at all.
                arcChainEmpty = value.hasSuffix("json:[]")
            case "action": action = try number(value, line, key)
            default:
                // Keys of later OpenDMARC versions that the history does not keep.
                break
            }
        }

        let first = fields.firstLine
        guard let received else { throw Problem(line: first, reason: "record without a received line") }
        guard let policyCode else { throw Problem(line: first, reason: "record without a policy line") }
        guard let action else { throw Problem(line: first, reason: "record without an action line") }

        // libopendmarc's DMARC_POLICY_* codes: 14 no record, 15 pass, 16 reject, 17 quarantine,
        // 18 none (the last three are failures under that policy).
        let dmarcResult: DMARCResult
        let requested: DMARCPolicy
        switch policyCode {
        case 14: (dmarcResult, requested) = (.none, .none)
        case 15: (dmarcResult, requested) = (.pass, .none)
        case 16: (dmarcResult, requested) = (.fail, .reject)
        case 17: (dmarcResult, requested) = (.fail, .quarantine)
        case 18: (dmarcResult, requested) = (.fail, .none)
        default: throw Problem(line: first, reason: "policy code \(policyCode) is not 14 to 18")
        }
        if dmarcResult == .pass && !dkimAligned && !spfAligned {
            throw Problem(line: first, reason: "policy says pass but neither align_dkim nor align_spf is 4")
        }

        // DMARC_RESULT_*: 0 reject, 1 discard, 2 accept, 3 tempfail, 4 quarantine.
        var disposition: MessageEvaluation.Disposition
        var overrideReason: MessageEvaluation.OverrideReason?
        var overrideComment: String?
        switch action {
        case 0, 1: disposition = .reject
        case 2: disposition = dmarcResult == .pass ? .pass : .none
        case 3:
            disposition = .none
            overrideReason = .other
            overrideComment = "OpenDMARC answered with a temporary failure"
        case 4: disposition = .quarantine
        default: throw Problem(line: first, reason: "action code \(action) is not 0 to 4")
        }
        if overrideReason == nil, requested != .none, disposition == .none {
            // OpenDMARC only lets mail through against the policy when told not to reject.
            overrideReason = .localPolicy
        }

        var spf: HistoryRecord.SPF?
        if let spfCode, spfCode != -1 {
            guard let result = spfResult(spfCode) else {
                throw Problem(line: first, reason: "spf code \(spfCode) is not an SPF result")
            }
            spf = HistoryRecord.SPF(domain: mailFrom ?? "", scope: spfScope, result: result)
        }

        var published: HistoryRecord.PublishedPolicy?
        if policyCode != 14 {
            published = HistoryRecord.PublishedPolicy(
                p: p, sp: sp, adkim: adkim ?? .relaxed, aspf: aspf ?? .relaxed, percent: percent,
                failureReportOptions: failureOptions, aggregateReportURIs: rua,
                // OpenDMARC 1.4.2 asks the Author Domain and then, with a Public Suffix List, its
                // Organizational Domain.
                discoveryMethod: .psl)
        }

        var record = HistoryRecord(
            time: Date(timeIntervalSince1970: Double(received)), queueID: job, reporter: reporter,
            clientIP: ip, mailFromDomain: mailFrom.flatMap { $0.isEmpty ? nil : $0 }, headerFromDomain: from,
            policyDomain: published == nil ? nil : policyDomain, policy: published, spf: spf, dkim: dkim,
            // OpenDMARC 1.4.2 writes 7 (fail) also when no ARC set was present.
            arcResult: arcChainEmpty ? nil : (arcCode == 0 ? "pass" : "fail"),
            dmarcResult: dmarcResult, spfAligned: spfAligned, dkimAligned: dkimAligned,
            requestedDisposition: requested, disposition: disposition,
            overrideReason: overrideReason, overrideComment: overrideComment)
        record.importKey = importKey(fields)
        return record
    }

    /// The ARES codes of OpenDMARC's `spf` line: 0 pass, 2 softfail, 3 neutral, 4 temperror,
    /// 5 permerror, 6 none, 7 fail, 8 policy, 9 nxdomain (a none in RFC 7208 §4.3 terms).
    private static func spfResult(_ code: Int) -> String? {
        switch code {
        case 0: "pass"
        case 2: "softfail"
        case 3: "neutral"
        case 4: "temperror"
        case 5: "permerror"
        case 6, 9: "none"
        case 7: "fail"
        case 8: "policy"
        default: nil
        }
    }

    /// The same ARES codes for a `dkim` line; softfail and nxdomain are not DKIM results.
    private static func dkimResult(_ code: Int) -> String? {
        switch code {
        case 0: "pass"
        case 3: "neutral"
        case 4: "temperror"
        case 5: "permerror"
        case 6: "none"
        case 7: "fail"
        case 8: "policy"
        default: nil
        }
    }

    /// `adkim`/`aspf` as the ASCII code of the tag value: 114 r, 115 s; 0 unset.
    private static func alignment(_ code: Int, _ line: Int, _ key: String) throws(Problem) -> DMARCRecord.AlignmentMode? {
        switch code {
        case 0: return nil
        case 114: return .relaxed
        case 115: return .strict
        default: throw Problem(line: line, reason: "\(key) code \(code) is not 114 (r) or 115 (s)")
        }
    }

    /// `p`/`sp` as the ASCII code of the policy's first letter: 110 none, 113 quarantine,
    /// 114 reject; 0 unset.
    private static func policy(_ code: Int, _ line: Int, _ key: String) throws(Problem) -> DMARCPolicy? {
        switch code {
        case 0: return nil
        case 110: return DMARCPolicy.none
        case 113: return .quarantine
        case 114: return .reject
        default: throw Problem(line: line, reason: "\(key) code \(code) is not 110 (n), 113 (q) or 114 (r)")
        }
    }

    /// FNV-1a (64 bits) over the record's lines: the same record imported twice gets the same
    /// key, which the database keeps unique.
    private static func importKey(_ fields: Fields) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (key, value, _) in fields.values {
            for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x20) &* 0x100_0000_01b3
            for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x0A) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}

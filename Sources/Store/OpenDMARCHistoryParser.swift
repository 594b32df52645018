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

    /// One record's lines as read, each value taken as its line arrives; the codes are
    /// translated at the record's end.
    private struct Fields {
        var firstLine: Int
        /// The first line that could not be read; the record is left out for it.
        var problem: Problem?
        var importKey = ImportKey()
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

        init(firstLine: Int) {
            self.firstLine = firstLine
        }

        /// Takes one `key value` line; a value that cannot be read becomes the record's problem.
        mutating func take(_ key: Key, value bytes: ArraySlice<UInt8>, line: Int) {
            guard problem == nil else { return }
            do throws(Problem) {
                func number() throws(Problem) -> Int {
                    guard let number = Self.integer(bytes) else {
                        throw Problem(line: line, reason: "\(key.rawValue) \"\(text())\" is not a number")
                    }
                    return number
                }
                func text() -> String { String(decoding: bytes, as: UTF8.self) }
                /// Most names are lower case already; only the others are copied.
                func name() -> String {
                    bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") || $0 >= 0x80 }
                        ? text().lowercased() : text()
                }
                switch key {
                case .job: job = text()
                case .reporter: reporter = text()
                case .received: received = try number()
                case .ipaddr: ip = text()
                case .from: from = name()
                case .mfrom: mailFrom = name()
                case .spf:
                    // Written once per record; should there be several, the last one counts.
                    spfCode = try number()
                case .spfScope:
                    guard let scope = HistoryRecord.SPF.Scope(rawValue: text()) else {
                        throw Problem(line: line, reason: "spf_scope \"\(text())\" is not mfrom or helo")
                    }
                    spfScope = scope
                case .dkim:
                    let value = text()
                    let parts = value.split(separator: " ", omittingEmptySubsequences: true)
                    guard parts.count == 3, let code = Int(parts[2]), let result = dkimResult(code) else {
                        throw Problem(line: line, reason: "dkim \"\(value)\" is not DOMAIN SELECTOR CODE")
                    }
                    dkim.append(.init(domain: parts[0].lowercased(), selector: parts[1] == "-" ? nil : String(parts[1]),
                                      result: result))
                case .pdomain: policyDomain = name()
                case .policy: policyCode = try number()
                case .rua: if !bytes.elementsEqual("-".utf8) { rua.append(text()) }
                case .pct: percent = try number()
                case .adkim: adkim = try alignment(number(), line, key.rawValue)
                case .aspf: aspf = try alignment(number(), line, key.rawValue)
                case .p: p = try policy(number(), line, key.rawValue)
                case .sp: sp = try policy(number(), line, key.rawValue)
                case .fo: failureOptions = text()
                case .alignDKIM: dkimAligned = try number() == 4
                case .alignSPF: spfAligned = try number() == 4
                case .arc: arcCode = try number()
                case .arcPolicy:
                    // `<code> json:[…]`; an empty list means no ARC set was there at all.
                    arcChainEmpty = bytes.reversed().starts(with: "json:[]".utf8.reversed())
                case .action: action = try number()
                }
            } catch {
                problem = error
            }
        }

        /// A decimal number with an optional sign, as `Int(_:)` reads one, without making a string.
        private static func integer(_ bytes: ArraySlice<UInt8>) -> Int? {
            var digits = bytes[...]
            let negative = digits.first == UInt8(ascii: "-")
            if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
            guard !digits.isEmpty else { return nil }
            var number = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let (times10, overflow) = number.multipliedReportingOverflow(by: 10)
                let digit = Int(byte - UInt8(ascii: "0"))
                let (sum, overflowAgain) = negative ? times10.subtractingReportingOverflow(digit)
                                                    : times10.addingReportingOverflow(digit)
                guard !overflow, !overflowAgain else { return nil }
                number = sum
            }
            return number
        }
    }

    /// The keys of OpenDMARC 1.4.2's history lines that the history keeps.
    enum Key: String, CaseIterable {
        case job, reporter, received, ipaddr, from, mfrom, spf, spfScope = "spf_scope", dkim, pdomain, policy, rua,
             pct, adkim, aspf, p, sp, fo, alignDKIM = "align_dkim", alignSPF = "align_spf", arc,
             arcPolicy = "arc_policy", action

        /// The keys by their length, so that a line's key is compared with a few bytes only.
        private static let byLength: [[(name: [UInt8], key: Key)]] = {
            var table = [[(name: [UInt8], key: Key)]](repeating: [], count: 11)
            for key in allCases { table[key.rawValue.utf8.count].append((Array(key.rawValue.utf8), key)) }
            return table
        }()

        init?(_ bytes: ArraySlice<UInt8>) {
            guard bytes.count < Self.byLength.count,
                  let match = Self.byLength[bytes.count].first(where: { $0.name.elementsEqual(bytes) }) else { return nil }
            self = match.key
        }
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
        let keyBytes = bytes[bytes.startIndex..<keyEnd]
        let key = Key(keyBytes)
        let value = bytes[valueStart..<end]
        var finished: Result<HistoryRecord, Problem>?
        if key == .job {
            finished = finish()
            current = Fields(firstLine: lineNumber)
        }
        guard current != nil else {
            let name = String(decoding: keyBytes, as: UTF8.self)
            return .failure(Problem(line: lineNumber, reason: "\"\(name)\" line before the first job line"))
        }
        current!.importKey.add(key: keyBytes, value: value)
        // Keys of later OpenDMARC versions, which the history does not keep, count only for the import key.
        if let key { current!.take(key, value: value, line: lineNumber) }
        return finished
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
        if let problem = fields.problem { throw problem }
        let first = fields.firstLine
        guard let received = fields.received else { throw Problem(line: first, reason: "record without a received line") }
        guard let policyCode = fields.policyCode else { throw Problem(line: first, reason: "record without a policy line") }
        guard let action = fields.action else { throw Problem(line: first, reason: "record without an action line") }

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
        if dmarcResult == .pass && !fields.dkimAligned && !fields.spfAligned {
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
        if let spfCode = fields.spfCode, spfCode != -1 {
            guard let result = spfResult(spfCode) else {
                throw Problem(line: first, reason: "spf code \(spfCode) is not an SPF result")
            }
            spf = HistoryRecord.SPF(domain: fields.mailFrom ?? "", scope: fields.spfScope, result: result)
        }

        var published: HistoryRecord.PublishedPolicy?
        if policyCode != 14 {
            published = HistoryRecord.PublishedPolicy(
                p: fields.p, sp: fields.sp, adkim: fields.adkim ?? .relaxed, aspf: fields.aspf ?? .relaxed,
                percent: fields.percent,
                failureReportOptions: fields.failureOptions, aggregateReportURIs: fields.rua,
                // OpenDMARC 1.4.2 asks the Author Domain and then, with a Public Suffix List, its
                // Organizational Domain.
                discoveryMethod: .psl)
        }

        var record = HistoryRecord(
            time: Date(timeIntervalSince1970: Double(received)), queueID: fields.job, reporter: fields.reporter,
            clientIP: fields.ip, mailFromDomain: fields.mailFrom.flatMap { $0.isEmpty ? nil : $0 }, headerFromDomain: fields.from,
            policyDomain: published == nil ? nil : fields.policyDomain, policy: published, spf: spf, dkim: fields.dkim,
            // OpenDMARC 1.4.2 writes 7 (fail) also when no ARC set was present.
            arcResult: fields.arcChainEmpty ? nil : (fields.arcCode == 0 ? "pass" : "fail"),
            dmarcResult: dmarcResult, spfAligned: fields.spfAligned, dkimAligned: fields.dkimAligned,
            requestedDisposition: requested, disposition: disposition,
            overrideReason: overrideReason, overrideComment: overrideComment)
        record.importKey = fields.importKey.value
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

    /// FNV-1a (64 bits) over the record's lines, each as `key value` and a line feed: the same
    /// record imported twice gets the same key, which the database keeps unique. Bytes that are
    /// not UTF-8 count as the replacement characters the stored text has, as they always have.
    struct ImportKey {
        private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

        var value: Int64 { Int64(bitPattern: hash) }

        mutating func add(key: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
            add(key)
            add(0x20)
            add(value)
            add(0x0A)
        }

        private mutating func add(_ bytes: ArraySlice<UInt8>) {
            var ascii = hash
            var seen: UInt8 = 0
            for byte in bytes {
                ascii = (ascii ^ UInt64(byte)) &* 0x100_0000_01b3
                seen |= byte
            }
            guard seen >= 0x80 else {
                hash = ascii
                return
            }
            for byte in String(decoding: bytes, as: UTF8.self).utf8 { add(byte) }
        }

        private mutating func add(_ byte: UInt8) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
    }
}

import Crypto
import DNS
import Foundation

/// Verifies the DKIM signatures of one message as it streams through a milter (RFC 6376 §6).
///
/// Feed the header fields in message order with ``header(_:)``, call ``endOfHeaders()``, feed
/// the body in chunks of any size with ``body(_:)``, then ``finish()`` returns one
/// ``DKIMResult`` per DKIM-Signature field, in header order. Header hashes are computed when the
/// header ends and the header fields are then dropped; the body is hashed as it arrives, so
/// memory does not grow with the body. Key lookups happen in ``finish()``, concurrently.
///
/// Nothing here throws: a signature that does not verify is a result with a reason.
public struct DKIMVerifier: Sendable {
    public let limits: Limits
    private let resolver: any DNSResolver
    private let now: @Sendable () -> Date

    private enum Phase { case headers, body }

    /// A DKIM-Signature field in header order: kept, or too large to keep.
    private enum SignatureEntry {
        case field(index: Int)
        case oversized(bytes: Int)
    }

    /// A signature whose header hash is known and whose key and body hash are still to come.
    private struct Pending: Sendable {
        var signature: DKIMSignature
        var headerHash: SHA256.Digest
        var hasherIndex: Int
        var report: DKIMResult
    }

    private enum Slot: Sendable {
        case done(DKIMResult)
        case pending(Pending)
    }

    private var phase = Phase.headers
    private var fields: [HeaderField] = []
    private var headerBytes = 0
    private var signatureEntries: [SignatureEntry] = []
    private var headerOverflow = false
    private var signaturesAfterOverflow = 0
    private var slots: [Slot] = []
    private var hashers: [DKIMBodyHasher] = []
    private var results: [DKIMResult]?

    /// A verifier for one message that fetches keys through `resolver` and judges `x=` by
    /// `now` (RFC 6376 §3.5: the time the message was received, when known).
    public init(resolver: any DNSResolver, limits: Limits = Limits(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.limits = limits
        self.now = now
    }

    /// Takes the next header field, in message order. Fields after ``endOfHeaders()`` are ignored.
    public mutating func header(_ field: HeaderField) {
        guard phase == .headers else { return }
        let isSignature = field.hasName("DKIM-Signature")
        if headerOverflow {
            if isSignature { signaturesAfterOverflow += 1 }
            return
        }
        if isSignature && field.byteCount > limits.signatureFieldBytes {
            signatureEntries.append(.oversized(bytes: field.byteCount))
            return
        }
        guard fields.count < limits.headerFields, headerBytes + field.byteCount <= limits.headerBytes else {
            headerOverflow = true
            if isSignature { signaturesAfterOverflow += 1 }
            return
        }
        if isSignature { signatureEntries.append(.field(index: fields.count)) }
        fields.append(field)
        headerBytes += field.byteCount
    }

    /// Marks the end of the header block: signatures are parsed and their header hashes
    /// computed, and the header fields are released.
    public mutating func endOfHeaders() {
        guard phase == .headers else { return }
        phase = .body
        defer { fields = [] }
        guard !headerOverflow else {
            slots = signatureEntries.map { entry in
                .done(failed(.headerBlockTooLarge(limit: limits.headerBytes), entry: entry))
            }
            if signaturesAfterOverflow > 0 {
                slots.append(.done(DKIMResult(status: .neutral, failure: .headerBlockTooLarge(limit: limits.headerBytes))))
            }
            return
        }
        let headerHash = DKIMHeaderHash(fields: fields)
        let nowSeconds = Int(now().timeIntervalSince1970)
        var checked = 0
        for entry in signatureEntries {
            let index: Int
            switch entry {
            case .oversized(let bytes):
                slots.append(.done(failed(.signatureTooLarge(bytes: bytes, limit: limits.signatureFieldBytes), entry: entry)))
                continue
            case .field(let position):
                index = position
            }
            let signature: DKIMSignature
            do throws(DKIMFailure) {
                signature = try DKIMSignature(parsing: fields[index].rawValue, limits: limits)
                // RFC 6376 §6.1.1: "Verifiers MAY ignore the DKIM-Signature header field and
                // return PERMFAIL (signature expired) if it contains an "x=" tag and the
                // signature has expired."
                if let expiration = signature.expiration, expiration < nowSeconds {
                    throw DKIMFailure.expired(expiration: expiration, now: nowSeconds)
                }
            } catch {
                slots.append(.done(failed(error, entry: entry)))
                continue
            }
            guard checked < limits.signaturesPerMessage else {
                slots.append(.done(failed(.notChecked(limit: limits.signaturesPerMessage), entry: entry)))
                continue
            }
            checked += 1
            slots.append(.pending(Pending(
                signature: signature, headerHash: headerHash.digest(for: signature, at: index),
                hasherIndex: hasherIndex(for: signature), report: Self.report(from: signature.tags))))
        }
    }

    /// Takes the next piece of the body (CRLF line ends), split anywhere.
    public mutating func body<Bytes: Collection<UInt8>>(_ chunk: Bytes) {
        endOfHeaders()
        guard !hashers.isEmpty else { return }
        let fed: Void? = chunk.withContiguousStorageIfAvailable { feed($0) }
        if fed == nil { Array(chunk).withUnsafeBufferPointer { feed($0) } }
    }

    /// Fetches the keys and returns one result per DKIM-Signature field, in header order.
    /// Calling it again returns the same results without asking DNS again.
    public mutating func finish() async -> [DKIMResult] {
        if let results { return results }
        endOfHeaders()
        let bodies = hashers.map { $0.finish() }
        let keyRecords = await Self.fetchKeyRecords(for: slots, resolver: resolver, limits: limits)
        let results = slots.map { slot in
            switch slot {
            case .done(let result):
                return result
            case .pending(let pending):
                let records = keyRecords[pending.signature.keyName.lowercased()] ?? .failure(.noKey(pending.signature.keyName))
                return evaluate(pending, keyRecords: records, body: bodies[pending.hasherIndex])
            }
        }
        slots = []
        hashers = []
        self.results = results
        return results
    }

    // MARK: Steps

    private mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) {
        for index in hashers.indices { hashers[index].update(chunk) }
    }

    /// Signatures that canonicalize and cut the body alike share one hasher.
    private mutating func hasherIndex(for signature: DKIMSignature) -> Int {
        if let index = hashers.firstIndex(where: {
            $0.canonicalization == signature.bodyCanonicalization && $0.lengthLimit == signature.bodyLength
        }) {
            return index
        }
        hashers.append(DKIMBodyHasher(canonicalization: signature.bodyCanonicalization, lengthLimit: signature.bodyLength))
        return hashers.count - 1
    }

    /// One lookup per distinct key name, all at once.
    private static func fetchKeyRecords(for slots: [Slot], resolver: any DNSResolver, limits: Limits) async
        -> [String: Result<[[UInt8]], DKIMFailure>] {
        var names: Set<String> = []
        for case .pending(let pending) in slots { names.insert(pending.signature.keyName.lowercased()) }
        // Most messages need one key; a task group would only add the cost of a child task.
        if names.count == 1, let name = names.first {
            return [name: await DKIMKeyLookup.records(at: name, resolver: resolver, limit: limits.keyRecordsPerName)]
        }
        return await withTaskGroup(of: (String, Result<[[UInt8]], DKIMFailure>).self) { group in
            for name in names {
                group.addTask {
                    (name, await DKIMKeyLookup.records(at: name, resolver: resolver, limit: limits.keyRecordsPerName))
                }
            }
            var answers: [String: Result<[[UInt8]], DKIMFailure>] = [:]
            for await (name, answer) in group { answers[name] = answer }
            return answers
        }
    }

    /// RFC 6376 §6.1.2 step 4: with several key records, each is tried; the signature passes if
    /// one verifies, and otherwise reports the first failure of the most telling kind.
    private func evaluate(_ pending: Pending, keyRecords: Result<[[UInt8]], DKIMFailure>,
                          body: DKIMBodyHasher.Outcome) -> DKIMResult {
        let records: [[UInt8]]
        switch keyRecords {
        case .failure(let failure): return failed(failure, report: pending.report)
        case .success(let found): records = found
        }
        var best: DKIMResult?
        for record in records {
            let result = evaluate(pending, keyRecord: record, body: body)
            if result.status == .pass { return result }
            // A key that parsed and did not verify says more than a record that is no key.
            if best == nil || (best?.status != .fail && result.status == .fail) { best = result }
        }
        return best ?? failed(.noKey(pending.signature.keyName), report: pending.report)
    }

    /// RFC 6376 §6.1.2 steps 5–8 and §6.1.3 with one key record.
    private func evaluate(_ pending: Pending, keyRecord text: [UInt8], body: DKIMBodyHasher.Outcome) -> DKIMResult {
        let signature = pending.signature
        var result = pending.report
        do throws(DKIMFailure) {
            let parsed = try DKIMKeyCache.shared.outcome(record: text, algorithm: signature.algorithm, limits: limits).get()
            let record = parsed.record
            guard record.isForEmail else { throw DKIMFailure.keyNotForEmail(record.serviceTypes.joined(separator: ":")) }
            // §3.6.1 t=s: the i= domain "MUST NOT be a subdomain of d=".
            if record.forbidsSubdomainIdentity, signature.identity != nil,
                signature.identityDomain.lowercased() != signature.domain.lowercased() {
                throw DKIMFailure.identitySubdomainForbidden(identityDomain: signature.identityDomain)
            }
            let key = try parsed.key.get()
            result.key = DKIMResult.Key(type: key.type.rawValue, bits: key.bits, isTesting: record.isTesting)
            // §3.5 l=: "This value MUST NOT be larger than the actual number of octets in the
            // canonicalized message body."
            if let length = signature.bodyLength, length > body.canonicalLength {
                throw DKIMFailure.bodyShorterThanLength(length: length, bodyLength: body.canonicalLength)
            }
            // §6.1.3 step 3, then step 4.
            guard body.digest == signature.bodyHash else { throw DKIMFailure.bodyHashMismatch }
            guard key.isValidSignature(signature.signature, headerHash: pending.headerHash) else {
                throw DKIMFailure.signatureMismatch
            }
            result.status = .pass
            result.unsignedBodyBytes = signature.bodyLength.map { body.canonicalLength - $0 } ?? 0
            return result
        } catch {
            return failed(error, report: result)
        }
    }

    // MARK: Reporting

    private func failed(_ failure: DKIMFailure, report: DKIMResult) -> DKIMResult {
        var result = report
        result.status = failure.status
        result.failure = failure
        return result
    }

    /// A result for a signature that failed before it had a key, with whatever identifiers its
    /// tag-list gives.
    private func failed(_ failure: DKIMFailure, entry: SignatureEntry) -> DKIMResult {
        var report = DKIMResult(status: failure.status)
        if case .field(let index) = entry,
            let tags = try? DKIMTagList(parsing: fields[index].rawValue, maximumTags: limits.tagsPerList) {
            report = Self.report(from: tags)
        }
        return failed(failure, report: report)
    }

    /// The identifiers a result carries, read from a signature's tags as written.
    private static func report(from tags: DKIMTagList) -> DKIMResult {
        let signature = tags["b"].map { String(decoding: $0.value.filter { !MessageByte.isFWS($0) }.prefix(8), as: UTF8.self) }
        return DKIMResult(status: .neutral, domain: tags["d"]?.text, selector: tags["s"]?.text, identity: tags["i"]?.text,
                          algorithm: tags["a"]?.text, signaturePrefix: signature)
    }
}

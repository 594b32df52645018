import Crypto
import DNS

/// Validates the Authenticated Received Chain of one message as it streams through a milter
/// (RFC 8617 §5.2).
///
/// Feed the header fields in message order with ``header(_:)``, call ``endOfHeaders()``, feed
/// the body in chunks of any size with ``body(_:)``, then ``finish()`` returns the chain's
/// ``ARCResult``. The chain's structure is checked and every hash over header fields computed
/// when the header ends, after which the header fields are dropped; the body is hashed as it
/// arrives. Key lookups happen in ``finish()``, concurrently.
///
/// Nothing here throws: a chain that does not validate is a result with a reason.
public struct ARCValidator: Sendable {
    /// The bounds on header size, tag-lists and keys, shared with DKIM since the ARC signatures
    /// are DKIM signatures in all that they cost. `signaturesPerMessage` bounds the body hashes
    /// kept for the older ARC-Message-Signatures (RFC 8617 §5.2 step 5 is optional).
    public let limits: DKIMVerifier.Limits
    private let resolver: any DNSResolver

    /// A set whose hashes are known and whose keys and body hash are still to come.
    private struct Pending: Sendable {
        var set: ARCChain.SetFields
        var signatureHash: SHA256.Digest
        /// The body hasher for the set's `c=` and `l=`, or nil when over the limit.
        var hasherIndex: Int?
        var sealHash: SHA256.Digest
    }

    private enum Phase { case headers, body }

    private var phase = Phase.headers
    private var fields: [HeaderField] = []
    private var headerBytes = 0
    private var arcFieldCount = 0
    private var sawARCField = false
    /// Why the header block could not be kept whole, if it could not.
    private var refusal: ARCFailure?
    /// The result, when the header alone decides it.
    private var verdict: ARCResult?
    private var pending: [Pending] = []
    private var hashers: [DKIMBodyHasher] = []
    private var result: ARCResult?

    /// At most three fields for each of the 50 sets RFC 8617 §4.2.1 allows; more cannot make a
    /// valid chain, so they are not parsed.
    static let maximumARCFields = 3 * ARCTagRules.instances.upperBound

    /// A validator for one message that fetches keys through `resolver`.
    public init(resolver: any DNSResolver, limits: DKIMVerifier.Limits = DKIMVerifier.Limits()) {
        self.resolver = resolver
        self.limits = limits
    }

    /// Takes the next header field, in message order. Fields after ``endOfHeaders()`` are ignored.
    public mutating func header(_ field: HeaderField) {
        guard phase == .headers else { return }
        let isARCField = ARCChain.isARCField(field)
        if isARCField {
            sawARCField = true
            arcFieldCount += 1
        }
        // Once the header block cannot be kept whole only the presence of ARC fields matters:
        // with them the result is fail, without them none.
        guard refusal == nil else { return }
        if isARCField {
            guard arcFieldCount <= Self.maximumARCFields else {
                refusal = ARCFailure("more than \(Self.maximumARCFields) ARC header fields (RFC 8617 §4.2.1 allows 50 sets)")
                return
            }
            guard field.byteCount <= limits.signatureFieldBytes else {
                refusal = ARCFailure("\(field.name) field of \(field.byteCount) bytes exceeds \(limits.signatureFieldBytes)")
                return
            }
        }
        guard fields.count < limits.headerFields, headerBytes + field.byteCount <= limits.headerBytes else {
            // Signed fields may be among those not kept, so a chain cannot be checked.
            refusal = ARCFailure("header block exceeds \(limits.headerBytes) bytes or \(limits.headerFields) fields")
            return
        }
        fields.append(field)
        headerBytes += field.byteCount
    }

    /// Marks the end of the header block: the chain is read and checked for structure, its
    /// header hashes computed, and the header fields released.
    public mutating func endOfHeaders() {
        guard phase == .headers else { return }
        phase = .body
        defer { fields = [] }
        // §5.2 step 1: "If there are none, the Chain Validation Status is "none"".
        guard sawARCField else {
            verdict = ARCResult(status: .none, reason: "no ARC header fields")
            return
        }
        if let refusal {
            verdict = ARCResult(status: refusal.status, reason: refusal.reason)
            return
        }
        let chain: ARCChain
        do throws(ARCFailure) {
            guard let read = try ARCChain(fields: fields, limits: limits) else {
                verdict = ARCResult(status: .none, reason: "no ARC header fields")
                return
            }
            chain = read
        } catch {
            verdict = ARCResult(status: error.status, reason: error.reason)
            return
        }
        let headerHash = DKIMHeaderHash(fields: fields)
        // RFC 8617 §5.1.1: the seal of set i signs sets 1 to i in order, each as AAR, AMS, AS;
        // the hash of sets before i is shared by all the seals after them.
        var sealPrefix = SHA256()
        var buffer: [UInt8] = []
        for set in chain.sets.reversed() {
            // The newest set's body hasher is made first, so it is never the one refused.
            _ = hasherIndex(for: set.signature)
        }
        for set in chain.sets {
            let signature = set.signature
            let signatureHash = headerHash.digest(
                signing: signature.signedFields, canonicalization: signature.headerCanonicalization,
                at: set.signatureIndex, excluding: signature.tags["b"]?.valueRegion)
            for index in [set.resultsIndex, set.signatureIndex] {
                buffer.removeAll(keepingCapacity: true)
                // RFC 8617 §4.1.3: "only "relaxed" header field canonicalization ... is used".
                DKIMCanonicalization.relaxed.appendHeader(fields[index], to: &buffer)
                sealPrefix.update(data: buffer)
            }
            var sealHash = sealPrefix
            buffer.removeAll(keepingCapacity: true)
            // RFC 6376 §3.7: the seal being verified goes in with its b= value emptied and
            // without a final CRLF.
            DKIMCanonicalization.relaxed.appendHeader(
                fields[set.sealIndex], excluding: set.seal.tags["b"]?.valueRegion, terminated: false, to: &buffer)
            sealHash.update(data: buffer)
            buffer.removeAll(keepingCapacity: true)
            DKIMCanonicalization.relaxed.appendHeader(fields[set.sealIndex], to: &buffer)
            sealPrefix.update(data: buffer)
            pending.append(Pending(set: set, signatureHash: signatureHash,
                                   hasherIndex: existingHasher(for: signature), sealHash: sealHash.finalize()))
        }
    }

    /// Takes the next piece of the body (CRLF line ends), split anywhere.
    public mutating func body<Bytes: Collection<UInt8>>(_ chunk: Bytes) {
        endOfHeaders()
        guard !hashers.isEmpty else { return }
        let fed: Void? = chunk.withContiguousStorageIfAvailable { feed($0) }
        if fed == nil { Array(chunk).withUnsafeBufferPointer { feed($0) } }
    }

    /// Fetches the keys and returns the chain validation status. Calling it again returns the
    /// same result without asking DNS again.
    public mutating func finish() async -> ARCResult {
        if let result { return result }
        endOfHeaders()
        let result = await validate()
        pending = []
        hashers = []
        self.result = result
        return result
    }

    // MARK: Steps

    private mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) {
        for index in hashers.indices { hashers[index].update(chunk) }
    }

    /// Signatures that canonicalize and cut the body alike share one hasher; beyond
    /// `limits.signaturesPerMessage` hashers no new one is made.
    private mutating func hasherIndex(for signature: ARCMessageSignature) -> Int? {
        if let index = existingHasher(for: signature) { return index }
        guard hashers.count < limits.signaturesPerMessage else { return nil }
        hashers.append(DKIMBodyHasher(canonicalization: signature.bodyCanonicalization, lengthLimit: signature.bodyLength))
        return hashers.count - 1
    }

    private func existingHasher(for signature: ARCMessageSignature) -> Int? {
        hashers.firstIndex {
            $0.canonicalization == signature.bodyCanonicalization && $0.lengthLimit == signature.bodyLength
        }
    }

    /// RFC 8617 §5.2 steps 4–7 on a chain whose structure is sound.
    private func validate() async -> ARCResult {
        if let verdict { return verdict }
        guard let newest = pending.last else { return ARCResult(status: .none, reason: "no ARC header fields") }
        let sets = pending.map {
            ARCResult.ARCSet(instance: $0.set.instance, sealerDomain: $0.set.seal.common.domain,
                          signerDomain: $0.set.signature.common.domain, authenticationResults: $0.set.results)
        }
        let bodies = hashers.map { $0.finish() }
        func failed(_ failure: ARCFailure) -> ARCResult {
            ARCResult(status: failure.status, reason: failure.reason, sets: sets)
        }
        // The keys the verdict needs: the newest AMS and every AS.
        var names = Set(pending.map { $0.set.seal.common.keyName.lowercased() })
        names.insert(newest.set.signature.common.keyName.lowercased())
        var keys = await ARCKeyCheck.fetch(names, resolver: resolver, limits: limits)

        // §5.2 step 4: "Validate the AMS with the greatest instance value (most recent). If
        // validation fails, then the Chain Validation Status is "fail"".
        if let failure = verifySignature(of: newest, keys: keys, bodies: bodies) { return failed(failure) }
        // §5.2 step 6: every AS, newest first.
        for entry in pending.reversed() {
            let seal = entry.set.seal
            if let failure = ARCKeyCheck.verify(seal.common, hash: entry.sealHash, keys: keys, limits: limits) {
                return failed(ARCFailure(failure, in: ARCChain.sealName, instance: entry.set.instance))
            }
        }
        // §5.2 step 5 (optional): the oldest AMS that still verifies, from N-1 down.
        let older = Set(pending.dropLast().map { $0.set.signature.common.keyName.lowercased() }).subtracting(keys.keys)
        if !older.isEmpty {
            keys.merge(await ARCKeyCheck.fetch(older, resolver: resolver, limits: limits)) { first, _ in first }
        }
        var oldestPass = 0
        for entry in pending.dropLast().reversed()
        where verifySignature(of: entry, keys: keys, bodies: bodies) != nil {
            // "set the oldest-pass value to the lowest AMS instance value that passed (M+1)".
            oldestPass = entry.set.instance + 1
            break
        }
        // §5.2 step 7.
        let sealers = sets.map(\.sealerDomain).joined(separator: ", ")
        return ARCResult(status: .pass, reason: "chain of \(sets.count) sets verified (sealers \(sealers))",
                         oldestPass: oldestPass, sets: sets)
    }

    /// Checks one ARC-Message-Signature: its body hash, then its signature over the header.
    private func verifySignature(of entry: Pending, keys: [String: Result<[[UInt8]], DKIMFailure>],
                                 bodies: [DKIMBodyHasher.Outcome]) -> ARCFailure? {
        let signature = entry.set.signature
        let instance = entry.set.instance
        guard let hasherIndex = entry.hasherIndex else {
            return ARCFailure("\(ARCChain.signatureName) i=\(instance): not checked, body hash limit reached")
        }
        let body = bodies[hasherIndex]
        // RFC 6376 §3.5 l=: "MUST NOT be larger than the actual number of octets in the
        // canonicalized message body."
        if let length = signature.bodyLength, length > body.canonicalLength {
            return ARCFailure(.bodyShorterThanLength(length: length, bodyLength: body.canonicalLength),
                              in: ARCChain.signatureName, instance: instance)
        }
        // RFC 6376 §6.1.3 step 3: the body hash first, which needs no key.
        guard body.digest == signature.bodyHash else {
            return ARCFailure(.bodyHashMismatch, in: ARCChain.signatureName, instance: instance)
        }
        return ARCKeyCheck.verify(signature.common, hash: entry.signatureHash, keys: keys, limits: limits)
            .map { ARCFailure($0, in: ARCChain.signatureName, instance: instance) }
    }
}

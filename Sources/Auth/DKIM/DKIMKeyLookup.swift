import DNS

/// Fetches key records: the one place DKIM talks to DNS, and so the one place that decides
/// temperror against permerror (RFC 6376 §6.1.2 steps 2 and 3).
enum DKIMKeyLookup {
    /// The TXT records at `name`, each as its joined character-strings (RFC 6376 §3.6.2.2), at
    /// most `limit` of them; or why there are none.
    static func records(at name: String, resolver: any DNSResolver, limit: Int) async -> Result<[[UInt8]], DKIMFailure> {
        do {
            let answer = try await resolver.txt(name)
            // Step 4: with several records the verifier may cycle through them; a bound keeps a
            // hostile zone from making it try hundreds.
            return .success(answer.records.prefix(limit).map(\.bytes))
        } catch {
            // Step 2: "If the query for the public key fails to respond, the Verifier MAY seek a
            // later verification attempt by returning TEMPFAIL (key unavailable)."
            if error.isTemporary { return .failure(.keyUnavailable("\(name): \(error)")) }
            switch error {
            case .malformed(let why):
                // Step 5: an answer that cannot be read is no usable key record.
                return .failure(.keySyntax("\(name): \(why)"))
            default:
                // Step 3: "If the query for the public key fails because the corresponding key
                // record does not exist, the Verifier MUST immediately return PERMFAIL (no key
                // for signature)."
                return .failure(.noKey("\(name) (\(error))"))
            }
        }
    }
}

extension Configuration {
    /// What to do with a message whose From: field gives no single Author Domain: several
    /// addresses in different domains, several From: fields, or none (`MultiValueFrom`).
    public enum MultiValueFrom: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// DMARC permerror with disposition reject.
        case reject
        /// Evaluate each domain; the strictest outcome counts (RFC 9989 §11.5).
        case evaluate
        /// DMARC permerror with no disposition: the message is not judged.
        case skip

        public var description: String { rawValue }
    }
}

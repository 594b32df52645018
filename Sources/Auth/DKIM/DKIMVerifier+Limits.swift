extension DKIMVerifier {
    /// Every bound the verifier puts on what a message or a key record can make it do.
    ///
    /// RFC 6376 §8.4 warns that signatures and key records can be crafted to cost a verifier
    /// work and memory; §6.1 lets a verifier limit the signatures it tries. Each bound is checked
    /// before the thing it bounds is stored or parsed further.
    public struct Limits: Sendable, Hashable {
        /// Signatures that are fully checked (key fetched, hashes computed) per message; valid
        /// signatures beyond this come back `neutral`, not checked.
        public var signaturesPerMessage: Int
        /// Header fields kept for computing header hashes.
        public var headerFields: Int
        /// Octets of header fields kept (names, values and line ends).
        public var headerBytes: Int
        /// Octets of one DKIM-Signature field; a longer one is `permerror` without parsing.
        public var signatureFieldBytes: Int
        /// Tags in a DKIM-Signature or key record tag-list.
        public var tagsPerList: Int
        /// Field names in one signature's `h=`.
        public var signedFieldsPerSignature: Int
        /// Octets of one key record (its TXT character-strings joined).
        public var keyRecordBytes: Int
        /// TXT records tried at one key name (RFC 6376 §6.1.2 step 4).
        public var keyRecordsPerName: Int
        /// The largest RSA modulus accepted, in bits (RFC 8301 §3.2 requires up to 4096).
        public var rsaKeyBits: Int

        /// The defaults: 5 signatures per message, 1000 header fields in 256 KiB, 16 KiB per
        /// signature field, 64 tags, 256 names in `h=`, key records of 4 KiB, 4 records per key
        /// name, RSA keys up to 8192 bits.
        public init(signaturesPerMessage: Int = 5, headerFields: Int = 1000, headerBytes: Int = 256 * 1024,
                    signatureFieldBytes: Int = 16 * 1024, tagsPerList: Int = 64, signedFieldsPerSignature: Int = 256,
                    keyRecordBytes: Int = 4096, keyRecordsPerName: Int = 4, rsaKeyBits: Int = 8192) {
            self.signaturesPerMessage = signaturesPerMessage
            self.headerFields = headerFields
            self.headerBytes = headerBytes
            self.signatureFieldBytes = signatureFieldBytes
            self.tagsPerList = tagsPerList
            self.signedFieldsPerSignature = signedFieldsPerSignature
            self.keyRecordBytes = keyRecordBytes
            self.keyRecordsPerName = keyRecordsPerName
            self.rsaKeyBits = rsaKeyBits
        }
    }
}

import Crypto
import Foundation

/// Computes the header hash of RFC 6376 §3.7 hash step 2 for the signatures of one message.
struct DKIMHeaderHash {
    /// The header block, top to bottom.
    let fields: [HeaderField]
    /// Positions of the fields with each lower-cased name, top to bottom.
    private let positions: [String: [Int]]

    init(fields: [HeaderField]) {
        self.fields = fields
        var positions: [String: [Int]] = [:]
        for (index, field) in fields.enumerated() {
            positions[field.signedName, default: []].append(index)
        }
        self.positions = positions
    }

    /// The fields `signature` signs, in the order it signs them.
    ///
    /// RFC 6376 §5.4.2: each name in `h=` takes the bottom-most instance not yet taken, so a
    /// repeated name walks up the header block; a name with no instance left (over-signing)
    /// contributes nothing (§3.5 h=). The signature's own field is never one of them (§3.5:
    /// h= "MUST NOT include the DKIM-Signature header field that is being created or verified").
    func selectedFields(for signature: DKIMSignature, at ownIndex: Int) -> [HeaderField] {
        selectedFields(named: signature.signedFields, at: ownIndex)
    }

    /// The fields a lower-cased `h=` list selects, by the rules above; ARC-Message-Signature
    /// shares them (RFC 8617 §4.1.2: "the same syntax and semantics as the DKIM-Signature").
    func selectedFields(named names: [String], at ownIndex: Int) -> [HeaderField] {
        // For each name, the candidates below this position in the list are still free.
        var free: [String: Int] = [:]
        var selected: [HeaderField] = []
        for name in names {
            guard let candidates = positions[name] else { continue }
            var upper = free[name] ?? candidates.count
            while upper > 0 && candidates[upper - 1] == ownIndex { upper -= 1 }
            guard upper > 0 else { continue }
            selected.append(fields[candidates[upper - 1]])
            free[name] = upper - 1
        }
        return selected
    }

    /// SHA-256 over the selected fields, each canonicalized and ended with CRLF, then the
    /// signature field itself with its `b=` value removed and no final CRLF (RFC 6376 §3.7).
    func digest(for signature: DKIMSignature, at ownIndex: Int) -> SHA256.Digest {
        digest(signing: signature.signedFields, canonicalization: signature.headerCanonicalization,
               at: ownIndex, excluding: signature.tags["b"]?.valueRegion)
    }

    /// The same hash for any signature field at `ownIndex` that lists `names` in `h=` and
    /// whose `b=` value sits at `signatureValue` in its raw value.
    func digest(signing names: [String], canonicalization: DKIMCanonicalization, at ownIndex: Int,
                excluding signatureValue: Range<Int>?) -> SHA256.Digest {
        var hash = SHA256()
        var buffer: [UInt8] = []
        for field in selectedFields(named: names, at: ownIndex) {
            buffer.removeAll(keepingCapacity: true)
            canonicalization.appendHeader(field, to: &buffer)
            hash.update(data: buffer)
        }
        buffer.removeAll(keepingCapacity: true)
        canonicalization.appendHeader(fields[ownIndex], excluding: signatureValue, terminated: false, to: &buffer)
        hash.update(data: buffer)
        return hash.finalize()
    }
}

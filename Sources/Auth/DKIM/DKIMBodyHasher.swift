import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Canonicalizes a message body as it streams in and hashes it with SHA-256 (RFC 6376 §3.7
/// hash step 1), keeping only a few counters between chunks, whatever the body size.
///
/// Chunks may split the body anywhere, even between the CR and LF of a line end. The trailing
/// empty lines that both body canonicalizations drop (RFC 6376 §3.4.3, §3.4.4) are held back as
/// a count and written out only when content follows them. Canonical bytes are gathered in a
/// buffer and hashed a buffer at a time, since hashing line by line costs more than the hash.
struct DKIMBodyHasher: Sendable {
    /// What a finished hasher found.
    struct Outcome: Sendable, Hashable {
        /// SHA-256 of the canonical body, cut to `l=` when the signature has one.
        var digest: [UInt8]
        /// The length of the whole canonical body, beyond `l=` too.
        var canonicalLength: Int
    }

    let canonicalization: DKIMCanonicalization
    /// The `l=` value: how many canonical bytes are hashed (RFC 6376 §3.5).
    let lengthLimit: Int?

    private var hash = SHA256()
    private var canonicalLength = 0
    private var hashedLength = 0
    /// Line ends seen since the last content byte, not yet written.
    private var heldLineEnds = 0
    /// The previous chunk ended in CR; whether it starts a line end depends on the next byte.
    private var heldCR = false
    /// Relaxed only: white space seen since the last content byte, not yet written.
    private var heldSpace = false
    /// Relaxed only: some content byte has been written.
    private var sawContent = false
    /// Reused between chunks; empty while a chunk is being canonicalized into it. 16 KiB is
    /// enough for the hash to run at full speed and small for a few per message.
    private var scratch = [UInt8](repeating: 0, count: 1 << 14)

    init(canonicalization: DKIMCanonicalization, lengthLimit: Int?) {
        self.canonicalization = canonicalization
        self.lengthLimit = lengthLimit
    }

    /// Feeds the next piece of the body.
    mutating func update(_ chunk: UnsafeBufferPointer<UInt8>) {
        var storage = scratch
        scratch = []
        storage.withUnsafeMutableBufferPointer { buffer in
            var output = Output(buffer: buffer)
            switch canonicalization {
            case .simple: updateSimple(chunk, into: &output)
            case .relaxed: updateRelaxed(chunk, into: &output)
            }
            write(output.contents)
        }
        scratch = storage
    }

    /// The hash and length of the body fed so far, treated as complete.
    func finish() -> Outcome {
        var final = self
        var tail: [UInt8] = []
        switch canonicalization {
        case .simple:
            // RFC 6376 §3.4.3: "*CRLF" at the end becomes one CRLF, and an empty body or one
            // without a final CRLF gets one.
            if final.heldCR {
                final.writeHeldLineEnds()
                tail.append(MessageByte.cr)
            }
            tail += [MessageByte.cr, MessageByte.lf]
        case .relaxed:
            // RFC 6376 §3.4.4: trailing white space and empty lines go; a non-empty body ends
            // in exactly one CRLF; an empty one stays empty.
            if final.heldCR {
                final.writeHeldLineEnds()
                if final.heldSpace { tail.append(MessageByte.space) }
                tail.append(MessageByte.cr)
                final.sawContent = true
            }
            if final.sawContent { tail += [MessageByte.cr, MessageByte.lf] }
        }
        tail.withUnsafeBufferPointer { final.write($0) }
        return Outcome(digest: Array(final.hash.finalize()), canonicalLength: final.canonicalLength)
    }

    /// RFC 6376 §3.4.3: bytes pass unchanged, so whole runs between CRs are copied.
    private mutating func updateSimple(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout Output) {
        var index = 0
        while index < chunk.count {
            if heldCR {
                heldCR = false
                if chunk[index] == MessageByte.lf {
                    heldLineEnds += 1
                    index += 1
                    continue
                }
                writeHeldLineEnds(into: &output)
                append(MessageByte.cr, to: &output)
            }
            let end = Self.firstCR(in: chunk, from: index)
            if end > index {
                writeHeldLineEnds(into: &output)
                let run = UnsafeBufferPointer(rebasing: chunk[index..<end])
                if run.count > output.room {
                    write(output.contents)
                    output.count = 0
                }
                if run.count > output.room {
                    write(run)
                } else {
                    output.append(run)
                }
            }
            if end < chunk.count { heldCR = true }
            index = end + 1
        }
    }

    /// The index of the next CR at or after `start`, or the chunk's end; memchr scans far faster
    /// than a byte loop.
    private static func firstCR(in chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = chunk.baseAddress, start < chunk.count,
            let found = memchr(base + start, Int32(MessageByte.cr), chunk.count - start) else { return chunk.count }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// RFC 6376 §3.4.4 a: white space at line ends goes, other WSP runs become one SP.
    ///
    /// The state lives in locals for the loop, which runs once per body byte.
    private mutating func updateRelaxed(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout Output) {
        var heldCR = self.heldCR
        var heldSpace = self.heldSpace
        var heldLineEnds = self.heldLineEnds
        var sawContent = self.sawContent
        let buffer = output.buffer
        var count = output.count
        func flush() {
            write(UnsafeBufferPointer(rebasing: buffer[..<count]))
            count = 0
        }
        // A content byte, after the line ends and the single space held before it.
        func emit(_ byte: UInt8) {
            while heldLineEnds > 0 {
                if buffer.count - count < 2 { flush() }
                buffer[count] = MessageByte.cr
                buffer[count + 1] = MessageByte.lf
                count += 2
                heldLineEnds -= 1
            }
            if buffer.count - count < 2 { flush() }
            if heldSpace {
                buffer[count] = MessageByte.space
                count += 1
                heldSpace = false
            }
            buffer[count] = byte
            count += 1
            sawContent = true
        }
        for byte in chunk {
            if heldCR {
                heldCR = false
                if byte == MessageByte.lf {
                    heldSpace = false
                    heldLineEnds += 1
                    continue
                }
                emit(MessageByte.cr)
            }
            switch byte {
            case MessageByte.cr: heldCR = true
            case MessageByte.space, MessageByte.tab: heldSpace = true
            default: emit(byte)
            }
        }
        output.count = count
        self.heldCR = heldCR
        self.heldSpace = heldSpace
        self.heldLineEnds = heldLineEnds
        self.sawContent = sawContent
    }

    /// One byte into the buffer, making room first.
    private mutating func append(_ byte: UInt8, to output: inout Output) {
        if output.room < 1 {
            write(output.contents)
            output.count = 0
        }
        output.append(byte)
    }

    /// The held line ends into the buffer, emptying it into the hash whenever it fills.
    private mutating func writeHeldLineEnds(into output: inout Output) {
        while heldLineEnds > 0 {
            if output.room < 2 {
                write(output.contents)
                output.count = 0
            }
            output.append(MessageByte.cr)
            output.append(MessageByte.lf)
            heldLineEnds -= 1
        }
    }

    /// The held line ends straight into the hash, for the end of the body.
    private mutating func writeHeldLineEnds() {
        while heldLineEnds > 0 {
            let count = min(heldLineEnds, Self.lineEnds.count / 2)
            Self.lineEnds.withUnsafeBufferPointer { write(UnsafeBufferPointer(rebasing: $0[..<(2 * count)])) }
            heldLineEnds -= count
        }
    }

    private static let lineEnds: [UInt8] = Array(repeating: [MessageByte.cr, MessageByte.lf], count: 1024).flatMap { $0 }

    /// Hashes canonical bytes, up to the `l=` limit, and counts them all.
    private mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        canonicalLength += bytes.count
        let room = lengthLimit.map { max(0, $0 - hashedLength) } ?? bytes.count
        let hashed = min(room, bytes.count)
        guard hashed > 0 else { return }
        hash.update(bufferPointer: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[..<hashed])))
        hashedLength += hashed
    }

    /// Canonical bytes waiting in the scratch buffer.
    private struct Output {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        var room: Int { buffer.count - count }
        var contents: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: buffer[..<count]) }

        mutating func append(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, let target = buffer.baseAddress else { return }
            (target + count).update(from: source, count: bytes.count)
            count += bytes.count
        }
    }
}

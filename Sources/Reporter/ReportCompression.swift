import CompressNIO
import NIOCore

/// gzip (RFC 1952) for report attachments (RFC 9990 §3.5.2: the XML "SHOULD be subjected to
/// GZIP compression").
public enum ReportCompression {
    /// Why compressed data could not be read.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The data as one gzip member.
    public static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: data)
        do {
            var output = try input.compress(with: .gzip())
            return output.readBytes(length: output.readableBytes) ?? []
        } catch {
            throw Failure(description: "gzip failed: \(error)")
        }
    }

    /// The data inside a gzip member, refusing more than `maximumSize` bytes of output: a small
    /// attachment can expand enormously (RFC 9990 §8.1 "zip bomb"), so the limit holds while
    /// decompressing, not after.
    public static func gunzip(_ data: [UInt8], maximumSize: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: data)
        let output: [UInt8]
        do {
            output = Array(try input.decompress(with: .gzip(), maxSize: maximumSize).readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw Failure(description: "the gzip data expands to more than \(maximumSize) bytes")
        } catch {
            throw Failure(description: "not valid gzip data (\(error))")
        }
        // The decompressor also stops without complaint where the input runs out, so a cut-off
        // file would pass for a short one. The member's trailer (RFC 1952 §2.3.1: CRC32, then
        // ISIZE, the length modulo 2^32) must describe exactly the output.
        let consumed = data.count - input.readableBytes
        guard consumed >= 18 else { throw Failure(description: "the gzip data is truncated") }
        let trailer = data[(consumed - 8)..<consumed].map(UInt32.init)
        let crc = trailer[0] | trailer[1] << 8 | trailer[2] << 16 | trailer[3] << 24
        let size = trailer[4] | trailer[5] << 8 | trailer[6] << 16 | trailer[7] << 24
        guard crc == CRC32.checksum(output), size == UInt32(truncatingIfNeeded: output.count) else {
            throw Failure(description: "the gzip data is truncated or damaged")
        }
        // One mail system appends a line end to the attachment, which carries nothing. Anything
        // else after the member is another member or junk.
        guard data[consumed...].allSatisfy({ $0 == 0x0D || $0 == 0x0A }) else {
            throw Failure(description: "\(input.readableBytes) bytes follow the gzip member")
        }
        return output
    }
}

/// The CRC-32 of RFC 1952 §8 (polynomial 0xEDB88320, reflected).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(UInt32.max) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}

import CompressNIO
import NIOCore

/// The files of a zip archive (PKWARE APPNOTE.TXT 6.3.10), as some reporters send their XML
/// (RFC 7489 §7.2.1.1 allowed zip; RFC 9990 §3.5.2 prefers gzip). A zip names its entries and
/// their sizes itself, and both can lie (RFC 9990 §8.1 "zip bomb"), so entries are counted before
/// any is extracted and each one's output is counted while it is inflated.
///
/// Read here rather than with a zip library: what reporters send is a single-disk archive of
/// stored or deflated entries, and a general reader brings what hostile input reaches without
/// needing it (an archive whose directory points past its end trapped one, damaged deflate data
/// made it spin for ever).
enum ReportArchive {
    /// Why an archive is refused.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// One file of the archive.
    struct File {
        var name: String
        var bytes: [UInt8]
    }

    /// The files (directories left out) in archive order.
    static func files(in bytes: [UInt8], maximumEntries: Int, maximumFileBytes: Int) throws(Refusal) -> [File] {
        let zip = Reader(bytes)
        let directory = try zip.centralDirectory()
        guard directory.entries <= maximumEntries else {
            throw Refusal(description: "the zip archive has more than \(maximumEntries) entries")
        }
        var entries: [Entry] = []
        var offset = directory.offset
        for _ in 0..<directory.entries {
            let entry = try zip.entry(at: offset)
            entries.append(entry)
            offset = entry.next
        }
        var files: [File] = []
        for entry in entries where !entry.name.hasSuffix("/") {
            files.append(File(name: entry.name, bytes: try zip.contents(of: entry, maximumBytes: maximumFileBytes)))
        }
        return files
    }

    /// A file's record in the central directory (APPNOTE §4.3.12).
    struct Entry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var checksum: UInt32
        var compressedSize: Int
        var size: Int
        var localHeader: Int
        /// Where the next record of the directory starts.
        var next: Int
    }

    /// Little-endian fields read with bounds checked: every offset and length comes from the
    /// archive itself.
    struct Reader {
        let bytes: [UInt8]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        func slice(at offset: Int, count: Int) throws(Refusal) -> ArraySlice<UInt8> {
            guard offset >= 0, count <= bytes.count, offset <= bytes.count - count else {
                throw Refusal(description: "the zip archive is truncated or its directory points past its end")
            }
            return bytes[offset..<(offset + count)]
        }

        func integer(at offset: Int, size: Int) throws(Refusal) -> Int {
            try slice(at: offset, count: size).reversed().reduce(0) { value, byte in value << 8 | Int(byte) }
        }

        func signature(_ expected: Int, at offset: Int, of record: String) throws(Refusal) {
            guard try integer(at: offset, size: 4) == expected else {
                throw Refusal(description: "not a readable zip archive (no \(record) at byte \(offset))")
            }
        }

        /// The end of central directory record (§4.3.16), found from the end: a comment of up
        /// to 65,535 bytes may follow it.
        func centralDirectory() throws(Refusal) -> (entries: Int, offset: Int) {
            let endRecordSize = 22
            let latest = bytes.count - endRecordSize
            guard latest >= 0 else { throw Refusal(description: "not a readable zip archive (too short)") }
            let earliest = max(0, latest - 65_535)
            guard let end = stride(from: latest, through: earliest, by: -1).first(where: { start in
                bytes[start] == 0x50 && bytes[start + 1] == 0x4B && bytes[start + 2] == 0x05 && bytes[start + 3] == 0x06
            }) else {
                throw Refusal(description: "not a readable zip archive (no end of central directory)")
            }
            let disk = try integer(at: end + 4, size: 2), directoryDisk = try integer(at: end + 6, size: 2)
            let entries = try integer(at: end + 10, size: 2), offset = try integer(at: end + 16, size: 4)
            guard disk == 0, directoryDisk == 0 else {
                throw Refusal(description: "the zip archive spans several disks")
            }
            guard entries != 0xFFFF, offset != 0xFFFF_FFFF else {
                throw Refusal(description: "the zip archive is in ZIP64 form, which no report needs")
            }
            return (entries, offset)
        }

        func entry(at offset: Int) throws(Refusal) -> Entry {
            try signature(0x0201_4B50, at: offset, of: "central directory record")
            let nameLength = try integer(at: offset + 28, size: 2)
            let extraLength = try integer(at: offset + 30, size: 2)
            let commentLength = try integer(at: offset + 32, size: 2)
            let entry = Entry(
                name: String(decoding: try slice(at: offset + 46, count: nameLength), as: UTF8.self),
                flags: UInt16(try integer(at: offset + 8, size: 2)),
                method: UInt16(try integer(at: offset + 10, size: 2)),
                checksum: UInt32(try integer(at: offset + 16, size: 4)),
                compressedSize: try integer(at: offset + 20, size: 4),
                size: try integer(at: offset + 24, size: 4),
                localHeader: try integer(at: offset + 42, size: 4),
                next: offset + 46 + nameLength + extraLength + commentLength)
            guard entry.compressedSize != 0xFFFF_FFFF, entry.size != 0xFFFF_FFFF, entry.localHeader != 0xFFFF_FFFF else {
                throw Refusal(description: "zip entry \(entry.name) is in ZIP64 form, which no report needs")
            }
            return entry
        }

        /// The entry's bytes, stored or inflated, checked against its size and CRC-32.
        func contents(of entry: Entry, maximumBytes: Int) throws(Refusal) -> [UInt8] {
            guard entry.flags & 1 == 0 else { throw Refusal(description: "zip entry \(entry.name) is encrypted") }
            guard entry.size <= maximumBytes else {
                throw Refusal(description: "zip entry \(entry.name) says it holds \(entry.size) bytes, "
                              + "more than the limit of \(maximumBytes)")
            }
            // The local header (§4.3.7) repeats the name and has an extra field of its own length.
            try signature(0x0403_4B50, at: entry.localHeader, of: "local header of \(entry.name)")
            let start = entry.localHeader + 30 + (try integer(at: entry.localHeader + 26, size: 2))
                + (try integer(at: entry.localHeader + 28, size: 2))
            let data = try slice(at: start, count: entry.compressedSize)
            let output: [UInt8]
            switch entry.method {
            case 0:
                output = Array(data)
            case 8:
                output = try Self.inflate(data, maximumBytes: maximumBytes, name: entry.name)
            default:
                throw Refusal(description: "zip entry \(entry.name) uses compression method \(entry.method), "
                              + "not stored (0) or deflate (8)")
            }
            guard output.count == entry.size, CRC32.checksum(output) == entry.checksum else {
                throw Refusal(description: "zip entry \(entry.name) is damaged (its size or CRC-32 does not match)")
            }
            return output
        }

        private static func inflate(_ data: ArraySlice<UInt8>, maximumBytes: Int, name: String) throws(Refusal) -> [UInt8] {
            var input = ByteBuffer(bytes: data)
            do {
                return Array(try input.decompress(with: .deflate(), maxSize: maximumBytes).readableBytesView)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw Refusal(description: "zip entry \(name) expands to more than \(maximumBytes) bytes")
            } catch {
                throw Refusal(description: "zip entry \(name) is damaged (\(error))")
            }
        }
    }
}

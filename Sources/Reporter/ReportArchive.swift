import Foundation
import ZIPFoundation

/// The files of a zip archive (PKWARE APPNOTE), as some reporters send their XML (RFC 7489 §7.2.1.1
/// allowed zip; RFC 9990 §3.5.2 prefers gzip). A zip names its entries and their sizes itself,
/// and both can lie (RFC 9990 §8.1 "zip bomb"), so entries are counted before any is extracted
/// and each one's output is counted while it is inflated.
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
        // ZIPFoundation's in-memory archive traps when the directory sends it past the end of the
        // data, as a damaged or hostile zip does (found by fuzzing); its file-backed archive reads
        // nothing there, as stdio does, and refuses the zip. So the bytes are read from a file
        // of their own, removed once the entries are out.
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("dmarcd-report-\(UUID().uuidString).zip")
        do {
            try Data(bytes).write(to: file, options: .withoutOverwriting)
        } catch {
            throw Refusal(description: "the zip archive could not be put in a temporary file (\(error))")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let archive: Archive
        do {
            archive = try Archive(url: file, accessMode: .read)
        } catch {
            throw Refusal(description: "not a readable zip archive (\(error))")
        }
        var entries: [Entry] = []
        for entry in archive {
            entries.append(entry)
            guard entries.count <= maximumEntries else {
                throw Refusal(description: "the zip archive has more than \(maximumEntries) entries")
            }
        }
        var files: [File] = []
        for entry in entries where entry.type == .file {
            guard entry.uncompressedSize <= UInt64(maximumFileBytes) else {
                throw Refusal(description: "zip entry \(entry.path) says it holds \(entry.uncompressedSize) bytes, "
                              + "more than the limit of \(maximumFileBytes)")
            }
            var output = Data()
            do {
                // The checksum is checked below, once the entry is known to fit: an entry that
                // does not is refused without the cost of summing what it expanded to.
                _ = try archive.extract(entry, skipCRC32: true) { chunk in
                    guard output.count + chunk.count <= maximumFileBytes else {
                        throw Refusal(description: "zip entry \(entry.path) expands to more than \(maximumFileBytes) bytes")
                    }
                    output.append(chunk)
                }
            } catch let refusal as Refusal {
                throw refusal
            } catch {
                throw Refusal(description: "zip entry \(entry.path) is damaged (\(error))")
            }
            let bytes = [UInt8](output)
            guard CRC32.checksum(bytes) == entry.checksum else {
                throw Refusal(description: "zip entry \(entry.path) is damaged (its CRC-32 does not match)")
            }
            files.append(File(name: entry.path, bytes: bytes))
        }
        return files
    }
}

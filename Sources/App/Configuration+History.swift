import Foundation
import Logging
import Store

extension Configuration {
    /// A whole number of days for `HistoryRetention`, at most 100 years.
    static func retentionDays(parsing text: String) throws(ConfigurationValueError) -> Int {
        guard let days = Int(text), (0...36_525).contains(days) else {
            throw ConfigurationValueError("\"\(text)\" is not a number of days from 0 to 36525")
        }
        return days
    }

    /// The history writer for the daemon: the `DatabasePath` file, `HistoryRetention`, and the
    /// discovery method of `DMARCStandard`.
    func historyWriter(logger: Logger) -> HistoryWriter {
        var settings = HistoryWriter.Settings()
        settings.retention = historyRetentionDays == 0 ? nil : .seconds(historyRetentionDays * 86_400)
        settings.discoveryMethod = dmarcStandard == .rfc7489 ? .psl : .treewalk
        let path = databasePath
        return HistoryWriter(settings: settings, logger: logger) {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return try HistoryStore.open(path: path)
        }
    }
}

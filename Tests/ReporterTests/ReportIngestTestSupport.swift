import Foundation
import Reporter
import Store

/// A history in a fresh temporary directory with a ``ReportIntake`` on it, removed with the
/// directory.
final class IntakeFixture {
    let directory: URL
    let store: HistoryStore
    let intake: ReportIntake

    init(limits: ReportIngester.Limits = .init()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try HistoryStore.open(path: directory.appendingPathComponent("dmarcd.sqlite").path)
        intake = ReportIntake(store: store, ingester: ReportIngester(limits: limits))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension ReportIntake.Result {
    var rejectionReason: String? {
        if case .rejected(_, let reason) = self { reason } else { nil }
    }

    var storedReport: AggregateReport? {
        if case .stored(let report, _) = self { report } else { nil }
    }
}

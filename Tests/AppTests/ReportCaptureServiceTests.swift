import Logging
import Milter
import Testing
@testable import App

/// The report mail ingest on its own: taking a message never waits, and a full queue says so, so
/// that the milter delivers the message rather than discarding it.
@Suite struct ReportCaptureServiceTests {
    @Test func aFullQueueRefusesTheNextMessage() {
        // Given a service whose database is not open yet, so nothing leaves the queue
        let service = ReportCaptureService(databasePath: "/nonexistent/dmarcd.sqlite", logger: Logger(label: "test"))
        // When one more message arrives than the queue holds
        let taken = (0...ReportCaptureService.queueCapacity).map { index in
            service.take(CapturedReportMail(queueID: "Q\(index)", bytes: Array("Subject: report\r\n\r\n".utf8)))
        }
        // Then every message but the last is taken
        #expect(taken == Array(repeating: true, count: ReportCaptureService.queueCapacity) + [false])
    }
}

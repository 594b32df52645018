/// Why an Authenticated Received Chain did not pass: a reason for a person and the status it
/// leads to. RFC 8617 §5.2.1: "All errors, including DNS failures, become unrecoverable and are
/// considered permanent", so every failure is `fail`.
struct ARCFailure: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    var status: ARCResult.Status

    init(_ reason: String, status: ARCResult.Status = .fail) {
        self.reason = reason
        self.status = status
    }

    /// The failure of a signature check, named after the field and instance it concerns.
    init(_ failure: DKIMFailure, in field: String, instance: Int) {
        self.init("\(field) i=\(instance): \(failure)")
    }

    var description: String { reason }
}

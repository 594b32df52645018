import Doctor
import Foundation
import Hummingbird
import NIOCore

/// The "Setup" page: the findings of `dmarcd doctor` for the configured domains, checked at most
/// every few minutes (``CachedSetupCheck``), and their JSON twin `/api/v1/setup`.
struct SetupModel: Encodable, Sendable {
    var checkedAt: Date
    var errors: Int
    var warnings: Int
    var groups: [FindingsReport.Group]

    init(_ result: CachedSetupCheck.Result) {
        let report = FindingsReport(result.findings)
        checkedAt = result.checkedAt
        errors = report.errors
        warnings = report.warnings
        groups = report.groups
    }
}

extension StatusPages {
    func setupModel() async -> SetupModel? {
        guard let setup else { return nil }
        return SetupModel(await setup.findings())
    }

    func setupPage() async throws -> String {
        guard let model = await setupModel() else {
            return try page("setup", title: "Setup", body: ["unconfigured": true])
        }
        let body: [String: Any?] = [
            "checkedAt": StatusFormat.time(model.checkedAt),
            "errors": model.errors, "warnings": model.warnings,
            "groups": model.groups.map { group -> [String: Any] in
                [
                    "title": group.domain ?? "This host",
                    "findings": group.findings.map { finding -> [String: Any] in
                        var view: [String: Any] = ["level": finding.level.rawValue, "check": finding.check,
                                                   "summary": finding.summary]
                        if let why = finding.why { view["why"] = why }
                        if let fix = finding.fix { view["fix"] = fix }
                        return view
                    },
                ]
            },
        ]
        return try page("setup", title: "Setup", body: body)
    }

    func setupResponse() async throws -> Response {
        let html = try await setupPage()
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func setupJSONResponse() async throws -> Response {
        guard let model = await setupModel() else {
            return Response(status: .notFound, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"no domains to check\"}")))
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(model))))
    }
}

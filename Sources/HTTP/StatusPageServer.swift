import Dispatch
import Doctor
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Store

/// The status page, its JSON API, `/metrics` and `/healthz`, served over HTTP/1.1 as one service
/// of the daemon. It only reads: the history through its own read-only connection, the daemon's
/// state through `status`.
public struct StatusPageServer: Service {
    let application: Application<RouterResponder<BasicRequestContext>>
    let settings: StatusPageSettings
    let logger: Logger

    /// - Parameters:
    ///   - databasePath: the history, which this opens for reading.
    ///   - registry: where the milter's and the resolver's metrics are collected.
    ///   - status: the daemon's state now.
    ///   - setup: the doctor's checks for the "Setup" page; nil shows that page without findings.
    public init(settings: StatusPageSettings, databasePath: String, registry: PrometheusCollectorRegistry,
                status: @escaping @Sendable () -> DaemonStatus, setup: CachedSetupCheck? = nil, logger: Logger) throws {
        let history = HistoryReader(path: databasePath)
        let pages = try StatusPages(history: history, settings: settings, status: status, setup: setup)
        let router = Router()
        router.add(middleware: SecurityHeaders())
        router.add(middleware: BasicAuthentication(credentials: settings.credentials, openPaths: ["/healthz"]))
        Self.addRoutes(to: router, pages: pages, metrics: StatusMetrics(registry: registry, history: history, status: status))
        var configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port),
                                                     serverName: "dmarcd")
        configuration.reuseAddress = true
        application = Application(router: router, configuration: configuration, logger: logger)
        self.settings = settings
        self.logger = logger
    }

    /// Serves until shutdown. A port that cannot be bound is logged and leaves the rest of the
    /// daemon running: mail must flow without the status page.
    public func run() async throws {
        do {
            try await application.run()
        } catch {
            logger.error("status page cannot listen on \(settings.host):\(settings.port): \(error)")
            try? await gracefulShutdown()
        }
    }

    static func addRoutes(to router: Router<BasicRequestContext>, pages: StatusPages, metrics: StatusMetrics) {
        router.get("/") { _, _ in try await pages.html { try pages.overviewPage(now: Date()) } }
        router.get("/messages") { request, _ in
            try await pages.html { try pages.messagesPage(query: Self.query(request)) }
        }
        router.get("/messages/:id") { _, context in
            let id = context.parameters.get("id", as: Int64.self) ?? 0
            return try await pages.html { try pages.messagePage(id: id) }
        }
        router.get("/domains") { request, _ in
            let offset = max(0, request.uri.queryParameters["offset"].flatMap { Int($0) } ?? 0)
            return try await pages.html { try pages.domainsPage(offset: offset, now: Date()) }
        }
        router.get("/domains/:domain") { _, context in
            let domain = Self.pathParameter("domain", context)
            return try await pages.html { try pages.domainPage(domain, now: Date()) }
        }
        router.get("/reports") { request, _ in
            try await pages.html { try pages.reportsPage(query: Self.query(request)) }
        }
        router.get("/reports/:id") { _, context in
            let id = context.parameters.get("id", as: Int64.self) ?? 0
            return try await pages.html { try pages.reportPage(id: id) }
        }
        router.get("/reports/:id/file") { _, context in
            let id = context.parameters.get("id", as: Int64.self) ?? 0
            let found = try? await onReader { () throws -> (OutboxReport, Data)? in
                let store = try pages.history.store()
                guard let report = try store.outboxReport(id: id), let file = try store.outboxReportFile(id: id) else {
                    return nil
                }
                return (report, file)
            }
            guard let (report, file) = found ?? nil else {
                return htmlResponse(pages.errorPage(title: "Not found", message: "There is no such report."), status: .notFound)
            }
            let name = report.fileName
            // RFC 9990 file names hold only letters, digits, dots, hyphens and "!"; a failure
            // report's is its Report-ID (digits, dots, hex) and ".eml".
            let type = report.kind == .failure ? "message/rfc822" : "application/gzip"
            return Response(status: .ok, headers: [.contentType: type,
                                                   .contentDisposition: "attachment; filename=\"\(name)\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: file)))
        }

        router.get("/reports-in") { _, _ in try await pages.html { try pages.receivedDomainsPage(now: Date()) } }
        router.get("/reports-in/:domain") { _, context in
            let domain = Self.pathParameter("domain", context)
            return try await pages.html { try pages.receivedDomainPage(domain, now: Date()) }
        }

        router.get("/api/v1/overview") { _, _ in try await pages.json { try pages.overviewModel(now: Date()) } }
        router.get("/api/v1/messages") { request, _ in
            try await pages.json {
                let (rows, next, problem) = try pages.messageModels(query: Self.query(request))
                return MessagePageModel(messages: rows, next: next?.description, problem: problem)
            }
        }
        router.get("/api/v1/messages/:id") { _, context in
            let id = context.parameters.get("id", as: Int64.self) ?? 0
            return try await pages.json { try pages.history.store().evaluation(id: id).map(MessageModel.init) }
        }
        router.get("/api/v1/domains") { request, _ in
            let offset = max(0, request.uri.queryParameters["offset"].flatMap { Int($0) } ?? 0)
            return try await pages.json {
                let (rows, total) = try pages.domainsModel(offset: offset, now: Date())
                return DomainPageModel(domains: rows, total: total, offset: offset)
            }
        }
        router.get("/api/v1/domains/:domain") { _, context in
            let domain = Self.pathParameter("domain", context)
            return try await pages.json { try pages.domainModel(domain, now: Date()) }
        }
        router.get("/api/v1/reports") { request, _ in
            try await pages.json { try pages.reportsModel(query: Self.query(request)) }
        }
        router.get("/api/v1/reports/:id") { _, context in
            let id = context.parameters.get("id", as: Int64.self) ?? 0
            return try await pages.json { try pages.history.store().outboxReport(id: id).map(ReportModel.init) }
        }
        router.get("/api/v1/reports-in") { _, _ in try await pages.json { try pages.receivedDomainsModel(now: Date()) } }
        router.get("/api/v1/reports-in/:domain") { _, context in
            let domain = Self.pathParameter("domain", context)
            return try await pages.json { try pages.receivedDomainModel(domain, now: Date()) }
        }
        router.get("/setup") { _, _ in try await pages.setupResponse() }
        router.get("/api/v1/setup") { _, _ in try await pages.setupJSONResponse() }
        router.get("/api/v1/health") { _, _ in try await pages.json { pages.healthModel(now: Date()) } }

        router.get("/healthz") { _, _ in
            let problems = pages.status().problems
            let text = problems.isEmpty ? "ok\n" : problems.map { "\($0)\n" }.joined()
            return Response(status: problems.isEmpty ? .ok : .serviceUnavailable,
                            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/metrics") { _, _ in
            let text = try await onReader { metrics.exposition() }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/static/dmarcd.css") { _, _ in
            staticResponse(PageTemplates.styleSheet, type: "text/css; charset=utf-8")
        }
        router.get("/static/favicon.svg") { _, _ in
            staticResponse(PageTemplates.favicon, type: "image/svg+xml")
        }
    }

    /// A parameter of the path, percent-decoded (a browser encodes a quote in a link as %22).
    static func pathParameter(_ name: String, _ context: BasicRequestContext) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The query's parameters; of a repeated one the first.
    static func query(_ request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where query[String(key)] == nil {
            query[String(key)] = String(value)
        }
        return query
    }
}

/// SQLite reads block their thread; they run on this queue so that neither the event loops,
/// which check mail, nor the cooperative threads ever wait on the disk.
private let readerQueue = DispatchQueue(label: "dmarcd.status-page.reader", attributes: .concurrent)

func onReader<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        readerQueue.async { continuation.resume(with: Result { try work() }) }
    }
}

extension StatusPages {
    /// The page `render` makes, 404 when it finds nothing to show; when the history cannot be
    /// read, a page that says why.
    func html(_ render: @escaping @Sendable () throws -> String?) async throws -> Response {
        do {
            guard let page = try await onReader(render) else {
                return htmlResponse(errorPage(title: "Not found", message: "There is nothing here."), status: .notFound)
            }
            return htmlResponse(page, status: .ok)
        } catch {
            return htmlResponse(errorPage(title: "History not readable", message: "\(error)"), status: .serviceUnavailable)
        }
    }

    /// The model `build` makes, as JSON, 404 when it finds nothing; when the history cannot be
    /// read, the reason.
    func json<Model: Encodable & Sendable>(_ build: @escaping @Sendable () throws -> Model?) async throws -> Response {
        do {
            let data = try await onReader { () throws -> Data? in
                guard let model = try build() else { return nil }
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                return try encoder.encode(model)
            }
            guard let data else { return jsonError("not found", status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return jsonError("\(error)", status: .serviceUnavailable)
        }
    }
}

private func htmlResponse(_ text: String, status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}

private func jsonError(_ message: String, status: HTTPResponse.Status) -> Response {
    let data = (try? JSONEncoder().encode(["error": message])) ?? Data()
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

private func staticResponse(_ text: String, type: String) -> Response {
    Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// A page of messages in the JSON API; `next` goes into `after=` for the following page.
struct MessagePageModel: Encodable, Sendable {
    var messages: [MessageModel]
    var next: String?
    var problem: String?
}

/// A page of sending domains in the JSON API.
struct DomainPageModel: Encodable, Sendable {
    var domains: [KeyedCountsModel]
    var total: Int
    var offset: Int
}

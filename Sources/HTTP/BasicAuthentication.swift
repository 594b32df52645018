import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOConcurrencyHelpers

/// HTTP basic authentication (RFC 7617) against one user and a bcrypt hash, for a status page
/// that listens beyond the loopback interface.
struct BasicAuthentication<Context: RequestContext>: RouterMiddleware {
    let credentials: StatusPageSettings.Credentials?
    /// Paths anyone may read, such as the health check a load balancer polls.
    let openPaths: Set<String>
    /// Authorization values that matched. bcrypt is slow on purpose (~0.1 s a check); a browser
    /// sends the same value with every request, which this answers at once.
    private let accepted = AcceptedAuthorizations()
    private static var acceptedLimit: Int { 16 }

    init(credentials: StatusPageSettings.Credentials?, openPaths: Set<String>) {
        self.credentials = credentials
        self.openPaths = openPaths
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let credentials, !openPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let authorization = request.headers[.authorization], isAccepted(authorization, credentials) else {
            return Response(status: .unauthorized,
                            headers: [.wwwAuthenticate: #"Basic realm="dmarcd", charset="UTF-8""#,
                                      .contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: .init(string: "This status page needs a user name and password.\n")))
        }
        return try await next(request, context)
    }

    private func isAccepted(_ authorization: String, _ credentials: StatusPageSettings.Credentials) -> Bool {
        if accepted.value.withLockedValue({ $0.contains(authorization) }) { return true }
        guard authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return false }
        let user = pair[..<colon]
        let password = pair[pair.index(after: colon)...]
        // Both checks always run, so that the time taken does not tell a wrong user from a wrong password.
        let passwordMatches = Bcrypt.verify(String(password), hash: credentials.passwordHash)
        guard user == credentials.user, passwordMatches else { return false }
        accepted.value.withLockedValue { set in
            if set.count >= Self.acceptedLimit { set.removeAll() }
            set.insert(authorization)
        }
        return true
    }
}

/// The Authorization values that matched, shared by every copy of the middleware.
private final class AcceptedAuthorizations: Sendable {
    let value = NIOLockedValueBox<Set<String>>([])
}

/// bcrypt hashes for `HTTPPasswordHash`.
public enum PasswordHash {
    public static func make(_ password: String, cost: Int) -> String {
        Bcrypt.hash(password, cost: UInt8(cost))
    }
}

/// How the status page listens and who may read it.
public struct StatusPageSettings: Sendable, Hashable {
    /// The user name and bcrypt hash that HTTP basic authentication (RFC 7617) checks.
    public struct Credentials: Sendable, Hashable {
        public var user: String
        /// A bcrypt hash (`$2b$…`), as `dmarcd password-hash` prints it.
        public var passwordHash: String

        public init(user: String, passwordHash: String) {
            self.user = user
            self.passwordHash = passwordHash
        }
    }

    public var host: String
    public var port: Int
    /// nil when every page is open to whoever can connect.
    public var credentials: Credentials?
    /// dmarcd's version, shown in the footer and the health.
    public var version: String

    public init(host: String, port: Int, credentials: Credentials? = nil, version: String) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.version = version
    }
}

extension Configuration {
    /// The account dmarcd switches to, written `user` or `user:group` as in OpenDMARC's `UserID`.
    public struct UserID: Sendable, Hashable, CustomStringConvertible {
        /// The user name (or number).
        public var user: String
        /// The group to use instead of the user's primary group.
        public var group: String?

        /// An account from its user and, optionally, group.
        public init(user: String, group: String? = nil) {
            self.user = user
            self.group = group
        }

        /// Reads `user` or `user:group`.
        init(parsing text: String) throws(ConfigurationValueError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2, !parts.contains(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) else {
                throw ConfigurationValueError("\"\(text)\" is not user or user:group")
            }
            self.init(user: parts[0], group: parts.count == 2 ? parts[1] : nil)
        }

        /// `user` or `user:group`.
        public var description: String {
            group.map { "\(user):\($0)" } ?? user
        }
    }
}

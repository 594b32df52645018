import Auth
import Foundation
import Logging
import Milter

extension Configuration {
    /// One `Sign` line: the From: domain, the selector and the PEM key file.
    public struct SignLine: Sendable, Hashable, CustomStringConvertible {
        public var domain: String
        public var selector: String
        public var keyFile: String

        public init(domain: String, selector: String, keyFile: String) {
            self.domain = domain.lowercased()
            self.selector = selector
            self.keyFile = keyFile
        }

        /// Reads `DOMAIN SELECTOR KEYFILE`.
        init(parsing text: String) throws(ConfigurationValueError) {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard parts.count == 3 else {
                throw ConfigurationValueError("\"\(text)\" is not DOMAIN SELECTOR KEYFILE")
            }
            guard parts[0].isHostName, parts[1].isHostName else {
                throw ConfigurationValueError("\"\(parts[0])\" or \"\(parts[1])\" is not a domain name or selector")
            }
            self.init(domain: parts[0], selector: parts[1], keyFile: parts[2])
        }

        public var description: String { "\(domain) \(selector) \(keyFile)" }
    }

    /// `Canonicalization`: `relaxed`, `simple`, or `HEADER/BODY` as in a signature's `c=`.
    public struct SigningCanonicalization: Sendable, Hashable, CustomStringConvertible {
        public var header: DKIMSigner.Canonicalization
        public var body: DKIMSigner.Canonicalization

        public init(header: DKIMSigner.Canonicalization, body: DKIMSigner.Canonicalization) {
            self.header = header
            self.body = body
        }

        init(parsing text: String) throws(ConfigurationValueError) {
            let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count),
                let header = DKIMSigner.Canonicalization(rawValue: String(parts[0])),
                let body = parts.count == 2 ? DKIMSigner.Canonicalization(rawValue: String(parts[1])) : .simple else {
                throw ConfigurationValueError("\"\(text)\" is not relaxed/relaxed, relaxed/simple, simple/relaxed or simple/simple")
            }
            // RFC 6376 §3.5 c=: a header algorithm alone means simple for the body.
            self.init(header: header, body: body)
        }

        public var description: String { "\(header.rawValue)/\(body.rawValue)" }
    }

    /// The signing keys of `Sign`, `KeyTable` and `SigningTable`, each key file read now. A key
    /// that cannot be read stays in the table with its error, so that mail it should sign goes
    /// on unsigned with a warning; a table that cannot be read is an error.
    func signingKeys() throws -> DKIMSigningKeys {
        var rules = signLines.map { line in
            DKIMSigningKeys.Rule(pattern: .domain(line.domain),
                                 keys: [DKIMSigningKeys.Key(domain: line.domain, selector: line.selector, path: line.keyFile)])
        }
        switch (keyTableFile, signingTableFile) {
        case (nil, nil):
            break
        case (let keyTable?, let signingTable?):
            let keys = try Self.keyTable(Self.tableText(keyTable, key: "KeyTable"), path: keyTable)
            rules += try Self.signingTable(Self.tableText(signingTable, key: "SigningTable"), path: signingTable,
                                           wildcards: signingTable.hasPrefix("refile:"), keys: keys)
        default:
            throw ConfigurationLoadError("KeyTable and SigningTable go together: set both or neither")
        }
        return DKIMSigningKeys(rules: rules, headerCanonicalization: canonicalization.header,
                               bodyCanonicalization: canonicalization.body)
    }

    /// The text of a table file; OpenDKIM's `file:` and `refile:` prefixes name the same kind of file.
    static func tableText(_ location: String, key: String) throws -> String {
        var path = location
        for prefix in ["refile:", "file:"] where path.hasPrefix(prefix) { path.removeFirst(prefix.count) }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationLoadError("\(key) \(path): \(error.localizedDescription)")
        }
    }

    /// The meaningful lines of an OpenDKIM table: `#` comments and empty lines dropped, each
    /// line split in its first word and the rest, with its line number.
    static func tableLines(_ text: String) -> [(number: Int, key: String, value: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let line = raw.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return nil }
            let key = line.prefix { $0 != " " && $0 != "\t" }
            let value = line.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
            return (index + 1, String(key), value)
        }
    }

    /// opendkim.conf(5) KeyTable: `name domain:selector:keypath`, each key file read now.
    static func keyTable(_ text: String, path: String) throws -> [String: DKIMSigningKeys.Key] {
        var keys: [String: DKIMSigningKeys.Key] = [:]
        for line in tableLines(text) {
            let parts = line.value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            // opendkim.conf(5): a third value not starting with "/", "./" or "../" is the key
            // itself; dmarcd reads keys from files only.
            guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
                ["/", "./", "../"].contains(where: parts[2].hasPrefix) else {
                throw ConfigurationLoadError(
                    "KeyTable \(path) line \(line.number): \"\(line.value)\" is not domain:selector:/path/to/keyfile")
            }
            keys[line.key] = DKIMSigningKeys.Key(domain: parts[0], selector: parts[1], path: parts[2])
        }
        return keys
    }

    /// opendkim.conf(5) SigningTable: `pattern keyname` lines; with `refile:` the patterns hold
    /// `*` wildcards and are tried in file order.
    static func signingTable(_ text: String, path: String, wildcards: Bool,
                             keys: [String: DKIMSigningKeys.Key]) throws -> [DKIMSigningKeys.Rule] {
        try tableLines(text).map { line in
            // An optional second field names the i= signer; dmarcd signs without i=.
            let name = String(line.value.prefix { $0 != " " && $0 != "\t" })
            guard let key = keys[name] else {
                throw ConfigurationLoadError(
                    "SigningTable \(path) line \(line.number): \"\(name)\" is not a name in the KeyTable")
            }
            let pattern = line.key.lowercased()
            return DKIMSigningKeys.Rule(pattern: wildcards ? .wildcard(pattern) : .lookup(pattern), keys: [key])
        }
    }
}

extension DKIMSigningKeys {
    /// Logs each key that cannot sign, at start and on SIGHUP: mail it should sign goes unsigned.
    func logUnusableKeys(_ logger: Logger) {
        for key in allKeys {
            if case .failure(let error) = key.key {
                logger.warning("signing key \(key.selector)._domainkey.\(key.domain) cannot be used, mail goes unsigned: \(error)")
            }
        }
    }
}

import Foundation

/// Finds test data: the project's own `Tests/Fixtures/` and the shared public corpus, which sits
/// beside the checkout as `../shared/corpus` (set `DMARCD_CORPUS` to use another place).
public enum Fixtures {
    /// The package's root folder (the one holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file under `Tests/Fixtures/`.
    public static func url(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }

    /// The shared corpus of public test data written by others (see its SOURCES.md).
    public static var corpusRoot: URL {
        if let override = ProcessInfo.processInfo.environment["DMARCD_CORPUS"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    /// A file of the shared corpus, e.g. `spf-pyspf/rfc7208-tests.yml`.
    public static func corpus(_ relativePath: String) -> URL {
        corpusRoot.appendingPathComponent(relativePath)
    }

    /// The bytes of a fixture or corpus file.
    public static func data(_ url: URL) throws -> Data {
        try Data(contentsOf: url)
    }

    /// The text of a fixture or corpus file, as UTF-8.
    public static func text(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }
}

import Foundation

/// Programs of this package built beside the running tests (`swift build --build-tests` builds
/// every product into the same folder as the test bundle).
public enum BuiltProducts {
    public static func executable(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name).path
    }
}

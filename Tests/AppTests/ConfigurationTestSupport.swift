import Testing

@testable import App

extension ConfigurationParser {
    /// A parser that has read `text` as the file named `file`.
    static func parsed(_ text: String, file: String = "test.conf") -> ConfigurationParser {
        var parser = ConfigurationParser()
        parser.parse(text, file: file)
        return parser
    }

    /// A parser that has read `text` as the file named `file`; an error in it fails the calling test.
    static func parsedWithoutErrors(_ text: String, file: String = "test.conf",
                                    sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationParser {
        let parser = parsed(text, file: file)
        #expect(!parser.hasErrors, "\(parser.diagnostics)", sourceLocation: sourceLocation)
        return parser
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small element tree read with Foundation's `XMLParser`, for documents of bounded size:
/// element local names, namespaces, attributes and text, nothing else.
struct XMLElementTree {
    final class Element {
        let name: String
        let namespace: String?
        var text = ""
        var children: [Element] = []

        init(name: String, namespace: String?) {
            self.name = name
            self.namespace = namespace
        }

        /// The children called `name` in the element's own namespace, or in none: AOL's reports
        /// prefix only the root (`<ns1:feedback>`) and leave its children unqualified. Elements
        /// of other namespaces are extensions (RFC 9990 §5) and stay out of sight.
        func children(_ name: String) -> [Element] {
            children.filter { $0.name == name && ($0.namespace == namespace || $0.namespace == nil) }
        }

        func child(_ name: String) -> Element? {
            children.first { $0.name == name && ($0.namespace == namespace || $0.namespace == nil) }
        }

        /// The trimmed text of the first child called `name`.
        func value(_ name: String) -> String? {
            child(name).map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    let root: Element

    /// Parses `data`. Document type and entity declarations are refused before parsing: a
    /// report needs none, and they are how entity expansion attacks (RFC 9990 §8.1 "XML bomb")
    /// and external entities get in. External entities stay off in the parser too.
    init(data: Data, maximumDepth: Int) throws {
        // The searches below read ASCII bytes; in UTF-16 or UTF-32 every character carries NUL
        // bytes, which XML allows in no other form, so such a document is refused unread.
        if data.contains(0) {
            throw ParseError(description: "the document holds NUL bytes (UTF-16 or UTF-32), which reports never need")
        }
        let head = [UInt8](data.prefix(200))
        // Likewise an encoding that writes `<` otherwise (UTF-7 writes `+ADw-`) could hide them;
        // reports come in UTF-8 or a single-byte encoding that keeps ASCII as it is.
        if let encoding = AggregateReportXMLRepair.declaredEncoding(head),
           !Self.isASCIICompatible(encoding) {
            throw ParseError(description: "the document's encoding \"\(encoding)\" is not one reports use")
        }
        // FoundationXML traps on an element name that is not UTF-8, and libxml2 passes such a
        // name on from a document that claims UTF-8, and from one in an encoding it does not
        // know (`iso8859-UTF-8`). So a document that is not UTF-8 must name a single-byte
        // encoding, which libxml2 converts to UTF-8. Refused here, a document that claims UTF-8
        // may still be read by the reader's windows-1252 repair, whose output is UTF-8.
        if String(validating: data, as: UTF8.self) == nil {
            if AggregateReportXMLRepair.claimsUTF8(head) {
                throw ParseError(description: "the document is not UTF-8, as it claims to be")
            }
            if let encoding = AggregateReportXMLRepair.declaredEncoding(head), !Self.isSingleByte(encoding) {
                throw ParseError(description: "the document is not UTF-8, and its encoding \"\(encoding)\" is not one of ISO 8859 or the Windows code pages")
            }
        }
        // FoundationXML crashes on a processing instruction without data (`<?name?>`). Reports
        // need none but the XML declaration (`<?xml` and a space, first in the document).
        var afterDeclaration = data.startIndex
        if let declaration = data.range(of: Data("<?xml".utf8)),
           data[..<declaration.lowerBound].allSatisfy({ [0xEF, 0xBB, 0xBF, 0x20, 0x09, 0x0A, 0x0D].contains($0) }),
           declaration.upperBound < data.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(data[declaration.upperBound]) {
            afterDeclaration = declaration.upperBound
        }
        if data.range(of: Data("<?".utf8), in: afterDeclaration..<data.endIndex) != nil {
            throw ParseError(description: "the document has a processing instruction, which reports never need")
        }
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil {
            throw ParseError(description: "the document has a document type declaration, which reports never need")
        }
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw ParseError(description: "the document declares an entity, which reports never need")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder(maximumDepth: maximumDepth)
        parser.delegate = builder
        let finished = parser.parse()
        if let problem = builder.problem { throw ParseError(description: problem) }
        // XMLParser can report success for a truncated document; its parserError says otherwise.
        if !finished || parser.parserError != nil {
            let code = parser.parserError.map { " \(($0 as NSError).code)" } ?? ""
            throw ParseError(description: "not well-formed XML (error\(code) at \(builder.errorPosition ?? "the end"))")
        }
        guard let root = builder.root, builder.stack.isEmpty else {
            throw ParseError(description: "the document has no complete root element")
        }
        self.root = root
    }
}

extension XMLElementTree {
    /// UTF-8, ASCII, ISO 8859 and the Windows code pages: encodings in which every ASCII
    /// character is its own byte.
    static func isASCIICompatible(_ encoding: String) -> Bool {
        let name = encoding.lowercased()
        return ["utf-8", "utf8", "us-ascii", "ascii", "latin1"].contains(name)
            || ["iso-8859-", "iso8859-", "windows-125", "cp125"].contains { name.hasPrefix($0) }
    }

    /// ISO 8859-1 to -16 and Windows-1250 to -1258 by the names libxml2 (through iconv) knows
    /// them by: encodings that give every byte a character.
    static func isSingleByte(_ encoding: String) -> Bool {
        let name = encoding.lowercased()
        if name == "latin1" { return true }
        for prefix in ["iso-8859-", "iso8859-"] where name.hasPrefix(prefix) {
            guard let part = Int(name.dropFirst(prefix.count)) else { return false }
            return (1...16).contains(part) && part != 12
        }
        for prefix in ["windows-125", "cp125"] where name.hasPrefix(prefix) {
            return name.count == prefix.count + 1 && name.last.map { ("0"..."8").contains($0) } == true
        }
        return false
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    let maximumDepth: Int
    var root: XMLElementTree.Element?
    var stack: [XMLElementTree.Element] = []
    var problem: String?
    /// Where the parser found its first error; afterwards it only reports where it stopped.
    var errorPosition: String?

    init(maximumDepth: Int) {
        self.maximumDepth = maximumDepth
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        guard stack.count < maximumDepth else {
            problem = "elements are nested deeper than \(maximumDepth) levels"
            parser.abortParsing()
            return
        }
        let element = XMLElementTree.Element(name: elementName, namespace: namespaceURI.flatMap { $0.isEmpty ? nil : $0 })
        if let parent = stack.last {
            parent.children.append(element)
        } else if root == nil {
            root = element
        }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if errorPosition == nil { errorPosition = "line \(parser.lineNumber), column \(parser.columnNumber)" }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }
}

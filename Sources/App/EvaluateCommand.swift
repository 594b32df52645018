import ArgumentParser
import Auth
import DNS
import Foundation

/// `dmarcd evaluate FILE.eml`: checks one stored message as if it had just arrived, and says
/// what dmarcd would add and do, and why.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Check a stored message with SPF, DKIM and DMARC and explain the verdict.",
        discussion: """
            Prints the Authentication-Results field dmarcd would add, the disposition the \
            sender's DMARC policy asks for, and an explanation. Settings come from the \
            configuration as for `dmarcd run`; DNS queries go to its Nameservers, or to --resolver.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "The message, as stored (LF or CRLF line ends).")
    var file: String

    @Option(help: ArgumentHelp("The SMTP client's address.", valueName: "IP"))
    var clientIP: String

    @Option(help: ArgumentHelp("The name the client gave in HELO or EHLO.", valueName: "NAME"))
    var helo: String

    @Option(help: ArgumentHelp("The MAIL FROM address; \"\" for a bounce.", valueName: "ADDRESS"))
    var mailFrom: String

    @Option(help: ArgumentHelp("A DNS server to ask instead of /etc/resolv.conf's.", valueName: "HOST:PORT"))
    var resolver: String?

    @Option(help: ArgumentHelp("The authserv-id of the Authentication-Results field.", valueName: "ID"))
    var authservID: String?

    func run() async throws {
        guard let clientAddress = IPAddress(clientIP) else {
            throw ValidationError("--client-ip \(clientIP) is not an IP address")
        }
        let message: Data
        do {
            message = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let bytes = LineEndings.crlf(message)
        let parsed: (fields: [HeaderField], bodyOffset: Int)
        do {
            parsed = try MessageHeaderParser.parse(bytes)
        } catch {
            throw ValidationError("\(file) is not a message: \(error)")
        }

        let configuration = try options.load()
        var settings = try configuration.authenticatorSettings(hostName: ProcessInfo.processInfo.hostName)
        if let authservID { settings.authservID = authservID }
        var resolverOptions = configuration.resolverOptions
        if let resolver { resolverOptions.forwarders = [try Self.forwarder(resolver)] }
        let dns = try UnboundResolver(options: resolverOptions)
        defer { dns.shutdown() }
        var check = MessageAuthenticator(
            resolver: dns, settings: settings, envelope: .init(clientIP: clientAddress, helo: helo, mailFrom: mailFrom))
        for field in parsed.fields { check.header(field) }
        check.endOfHeaders()
        check.body(bytes[parsed.bodyOffset...])
        let verdict = await check.finish()

        print("\(AuthenticationResultsHeader.fieldName): \(verdict.authenticationResults.render())")
        print("Disposition: \(verdict.dmarc.disposition)")
        print(verdict.explanation)
    }

    /// `HOST:PORT`, `[IPV6]:PORT` or a bare address, as libunbound's `IP@PORT`.
    static func forwarder(_ text: String) throws -> String {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            return rest.hasPrefix(":") ? "\(host)@\(rest.dropFirst())" : String(host)
        }
        let parts = text.split(separator: ":")
        if parts.count == 2, IPAddress(parts[0]) != nil, UInt16(parts[1]) != nil { return "\(parts[0])@\(parts[1])" }
        guard IPAddress(text) != nil else { throw ValidationError("--resolver \(text) is not HOST:PORT") }
        return text
    }
}

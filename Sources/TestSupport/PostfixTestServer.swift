import Foundation

/// A throwaway Postfix instance, for tests that need a real MTA in front of a milter: its own
/// configuration, queue and log under one folder, SMTP listeners on 127.0.0.1 only, and mail
/// for one domain delivered into a Maildir under the folder.
///
/// It never sends mail anywhere: every transport that could leave the host is an `error:`
/// transport and Postfix looks nothing up in the DNS. Runs as root (`postfix -c DIR` and
/// `postqueue -c DIR` need no `alternate_config_directories` entry then). The system's Postfix,
/// running or not, is not touched: queue, data folder, ports and log are all the instance's own.
public final class PostfixTestServer: @unchecked Sendable {
    /// The final reply to one SMTP transaction: the reply to DATA, or to the first command that
    /// was refused.
    public struct SMTPReply: Sendable, Decodable, CustomStringConvertible {
        /// `AUTH`, `MAIL`, `RCPT` or `DATA`.
        public var stage: String
        public var code: Int
        public var text: String

        /// The queue id of accepted mail (`250 2.0.0 Ok: queued as ID`).
        public var queueID: String? {
            guard code == 250, let range = text.range(of: "queued as ") else { return nil }
            return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber })
        }

        public var description: String { "\(stage): \(code) \(text)" }
    }

    /// One message in the queue as `postqueue -j` shows it.
    public struct QueuedMessage: Sendable, Decodable {
        public var queueName: String
        public var queueID: String
        public var sender: String

        enum CodingKeys: String, CodingKey {
            case queueName = "queue_name"
            case queueID = "queue_id"
            case sender
        }
    }

    /// The domain whose mail is delivered into ``mailbox``; any local part works.
    public let recipientDomain: String
    /// Postfix's `myhostname`, which milters also see as macro `j`.
    public let hostName: String
    /// The folder everything lives under.
    public let directory: URL
    /// The Maildir all mail for ``recipientDomain`` goes to.
    public let mailbox: URL
    private let configurationDirectory: URL
    private let ports: [String: UInt16]
    private var stopped = false

    /// Starts Postfix with one SMTP listener per entry of `listeners`: the key names the
    /// listener, the value is that listener's `smtpd_milters` (e.g. `inet:127.0.0.1:8893` or
    /// `unix:/path`).
    ///
    /// One instance can serve several milters this way, which matters because starting Postfix
    /// takes seconds (its start script checks the whole installation).
    ///
    /// With `tlsCertificate`, every listener offers STARTTLS with it (`smtpd_tls_security_level
    /// = may`). `recipientAccess` maps recipient addresses to an access(5) action such as
    /// `450 4.2.0 try later` or `550 5.1.1 no such user`, checked at RCPT. `nonSMTPDMilters`
    /// is the milter of mail submitted with ``submit(_:from:to:)``. With `sasl`, every listener
    /// offers SMTP AUTH, checked by that server.
    public init(listeners: [String: String], hostName: String = "mx.e2e.example",
                recipientDomain: String = "e2e.example", tlsCertificate: SelfSignedCertificate? = nil,
                recipientAccess: [String: String] = [:], nonSMTPDMilters: String = "",
                sasl: SASLTestServer? = nil) throws {
        self.hostName = hostName
        self.recipientDomain = recipientDomain
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-postfix-\(UUID().uuidString)")
        configurationDirectory = directory.appendingPathComponent("etc")
        mailbox = directory.appendingPathComponent("mail/inbox")
        var ports: [String: UInt16] = [:]
        for name in listeners.keys.sorted() {
            ports[name] = try FreePort.udpAndTCP()
        }
        self.ports = ports
        do {
            try writeConfiguration(listeners: listeners, tlsCertificate: tlsCertificate, recipientAccess: recipientAccess,
                                   nonSMTPDMilters: nonSMTPDMilters, sasl: sasl)
            try postfix("start")
            try waitUntilListening()
        } catch {
            // The start script logs its reasons to the maillog, which stop() removes.
            let log = maillogTail()
            stop()
            throw TestServerError(description: "\(error)\n\(log)")
        }
    }

    deinit {
        stop()
    }

    /// The folder of main.cf and master.cf, for `sendmail -C` and the other Postfix commands.
    public var configurationPath: String { configurationDirectory.path }

    /// The TCP port of the listener named `name` on 127.0.0.1.
    public func port(_ name: String) -> UInt16 {
        guard let port = ports[name] else { preconditionFailure("no Postfix listener named \(name)") }
        return port
    }

    /// Postfix's log so far.
    public var maillog: String {
        (try? String(contentsOf: directory.appendingPathComponent("maillog"), encoding: .utf8)) ?? ""
    }

    /// The last `count` lines of the maillog, for a failing test's message.
    public func maillogTail(_ count: Int = 30) -> String {
        "Postfix maillog (last \(count) lines):\n" + maillog.split(separator: "\n").suffix(count).joined(separator: "\n")
    }

    /// The SMTP client: Python's smtplib, which can bind its end of the connection to a chosen
    /// loopback address so that Postfix, and its milters, see that address as the client.
    /// Arguments: port, client address, HELO name, SMTP AUTH user and password (empty for no
    /// AUTH), sender, recipients; the message on stdin.
    private static let smtpClient = """
        import json, smtplib, sys
        port, source, helo, user, password, sender = sys.argv[1:7]
        recipients = sys.argv[7:]
        message = sys.stdin.buffer.read()
        def finish(stage, code, text):
            print(json.dumps({"stage": stage, "code": code, "text": text.decode("utf-8", "replace")}))
            sys.exit(0)
        with smtplib.SMTP("127.0.0.1", int(port), local_hostname=helo, source_address=(source, 0), timeout=120) as smtp:
            smtp.ehlo(helo)
            if user:
                try:
                    code, text = smtp.login(user, password)
                except smtplib.SMTPException as refused:
                    finish("AUTH", getattr(refused, "smtp_code", 0), getattr(refused, "smtp_error", str(refused).encode()))
            code, text = smtp.mail(sender)
            if code != 250:
                finish("MAIL", code, text)
            for recipient in recipients:
                code, text = smtp.rcpt(recipient)
                if code not in (250, 251):
                    finish("RCPT", code, text)
            try:
                code, text = smtp.data(message)
            except smtplib.SMTPDataError as refused:
                code, text = refused.smtp_code, refused.smtp_error
            finish("DATA", code, text)
        """

    /// Sends `message` (CRLF line ends) over SMTP to the listener `listener`, from the loopback
    /// address `clientAddress` (any 127.0.0.0/8 address works on Linux), and returns the final
    /// reply. A refusal is a reply, not an error; only a broken connection throws. With `login`,
    /// the client logs in with SMTP AUTH PLAIN first.
    public func send(_ message: [UInt8], listener: String, from sender: String, to recipients: [String],
                     clientAddress: String = "127.0.0.2", helo: String = "client.e2e.example",
                     login: (user: String, password: String)? = nil) throws -> SMTPReply {
        precondition(clientAddress.hasPrefix("127."), "test mail comes from loopback addresses only")
        let output = try TestProgram.run(
            ["/usr/bin/python3", "-c", Self.smtpClient, String(port(listener)), clientAddress, helo,
             login?.user ?? "", login?.password ?? "", sender] + recipients,
            input: message)
        do {
            return try JSONDecoder().decode(SMTPReply.self, from: Data(output))
        } catch {
            throw TestServerError(description: "unreadable SMTP client output \(String(decoding: output, as: UTF8.self)): \(error)")
        }
    }

    /// Submits `message` as a local program does, with the instance's sendmail(1): postdrop
    /// puts it in the maildrop queue and pickup(8) hands it to cleanup(8) and so to
    /// `non_smtpd_milters`. Returns once sendmail has queued it.
    public func submit(_ message: [UInt8], from sender: String, to recipients: [String]) throws {
        precondition(!recipients.isEmpty && !recipients.contains { $0.hasPrefix("-") }, "recipients, not options")
        try TestProgram.run(["/usr/sbin/sendmail", "-C", configurationDirectory.path, "-i", "-f", sender] + recipients,
                            input: message)
    }

    /// Waits up to `timeout` for a delivered message containing `marker` (say, a unique Subject)
    /// and returns its text as Postfix wrote it.
    public func waitForDelivery(containing marker: String, timeout: TimeInterval = 20) throws -> String {
        let folder = mailbox.appendingPathComponent("new")
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            for file in files {
                if let text = try? String(contentsOf: file, encoding: .utf8), text.contains(marker) {
                    return text
                }
            }
            usleep(20_000)
        } while Date() < deadline
        throw TestServerError(description: "no message containing \"\(marker)\" was delivered within \(Int(timeout)) s\n\(maillogTail())")
    }

    /// Every message in Postfix's queues, from `postqueue -j` (one JSON object a line).
    public func queuedMessages() throws -> [QueuedMessage] {
        let output = try TestProgram.run(["/usr/sbin/postqueue", "-c", configurationDirectory.path, "-j"])
        return try String(decoding: output, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(QueuedMessage.self, from: Data($0.utf8))
        }
    }

    /// Waits up to `timeout` for the message `queueID` to be in the hold queue; true if it is.
    public func waitForHold(queueID: String, timeout: TimeInterval = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if try queuedMessages().contains(where: { $0.queueID == queueID && $0.queueName == "hold" }) {
                return true
            }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    /// The header fields of a queued message as Postfix stores them (`postcat -h`), with the
    /// edits milters made.
    public func queuedHeader(queueID: String) throws -> String {
        String(decoding: try TestProgram.run(["/usr/sbin/postcat", "-c", configurationDirectory.path, "-h", "-q", queueID]),
               as: UTF8.self)
    }

    /// Stops Postfix and removes its folder.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if let master = masterPID() {
            try? postfix("stop")
            // `postfix stop` signals the master and returns; its children hold queue files open.
            let deadline = Date().addingTimeInterval(10)
            while kill(master, 0) == 0 && Date() < deadline {
                usleep(20_000)
            }
            if kill(master, 0) == 0 {
                kill(master, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func postfix(_ command: String) throws {
        try TestProgram.run(["/usr/sbin/postfix", "-c", configurationDirectory.path, command])
    }

    private func masterPID() -> pid_t? {
        let file = directory.appendingPathComponent("queue/pid/master.pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(20)
        for (name, port) in ports {
            while !Self.acceptsConnections(port: port) {
                guard Date() < deadline else {
                    throw TestServerError(description: "Postfix listener \(name) on port \(port) did not open\n\(maillogTail())")
                }
                usleep(20_000)
            }
        }
    }

    private static func acceptsConnections(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = FreePort.loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private func writeConfiguration(listeners: [String: String], tlsCertificate: SelfSignedCertificate?,
                                    recipientAccess: [String: String], nonSMTPDMilters: String,
                                    sasl: SASLTestServer?) throws {
        let manager = FileManager.default
        // The start script creates the rest of the queue and the data folder, owned by postfix.
        for folder in [configurationDirectory, directory.appendingPathComponent("queue"), mailbox.deletingLastPathComponent()] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        // virtual(8) refuses to deliver as root; nobody owns the Maildir.
        try manager.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534],
                                  ofItemAtPath: mailbox.deletingLastPathComponent().path)
        let root = directory.path
        let refuse = "error:test Postfix sends no mail off this host"
        var main = """
            compatibility_level = 3.6
            queue_directory = \(root)/queue
            data_directory = \(root)/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = \(hostName)
            mydomain = \(recipientDomain)
            myorigin = $myhostname
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            # No DNS: the client's name is not looked up, and nothing is relayed anywhere.
            smtpd_peername_lookup = no
            smtp_dns_support_level = disabled
            smtp_host_lookup = native
            lmtp_host_lookup = native
            default_transport = \(refuse)
            relay_transport = \(refuse)
            local_transport = \(refuse)
            alias_maps =
            alias_database =
            local_recipient_maps =
            virtual_mailbox_domains = \(recipientDomain)
            virtual_mailbox_base = \(root)/mail
            virtual_mailbox_maps = static:inbox/
            virtual_uid_maps = static:65534
            virtual_gid_maps = static:65534
            maillog_file = \(root)/maillog
            maillog_file_prefixes = \(root)
            biff = no
            smtputf8_enable = no
            # The milter settings a site uses, with the default action spelled out: a filter
            # that fails turns mail into 4xx, which the tests must never see.
            milter_protocol = 6
            milter_default_action = tempfail
            smtpd_milters =
            non_smtpd_milters = \(nonSMTPDMilters)

            """
        if let tlsCertificate {
            main += """
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = \(tlsCertificate.certificateFile)
                smtpd_tls_key_file = \(tlsCertificate.keyFile)
                smtpd_tls_loglevel = 1

                """
        }
        if let sasl {
            main += """
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_type = dovecot
                smtpd_sasl_path = \(sasl.socketPath)

                """
        }
        if !recipientAccess.isEmpty {
            let table = configurationDirectory.appendingPathComponent("recipient_access")
            let lines = recipientAccess.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
            try lines.write(to: table, atomically: true, encoding: .utf8)
            main += """
                smtpd_recipient_restrictions = check_recipient_access texthash:\(table.path), permit_mynetworks, reject_unauth_destination

                """
        }
        // Nothing runs chrooted: a chroot would need copies of /etc files and the milter socket.
        var master = ""
        for (name, milters) in listeners.sorted(by: { $0.key < $1.key }) {
            precondition(!milters.contains(where: \.isWhitespace), "one milter address per listener, no spaces")
            master += "127.0.0.1:\(ports[name]!) inet n - n - - smtpd -o syslog_name=postfix/\(name) -o smtpd_milters=\(milters)\n"
        }
        master += """
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            virtual   unix  - n n - - virtual
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd
            tlsmgr    unix  - - n 1000? 1 tlsmgr

            """
        try main.write(to: configurationDirectory.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        try master.write(to: configurationDirectory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
    }
}

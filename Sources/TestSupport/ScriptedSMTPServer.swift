import Foundation

/// A tiny SMTP server on 127.0.0.1 (Python's standard library) for what the throwaway Postfix
/// cannot do without a SASL server: it offers AUTH PLAIN and LOGIN, accepts only the one
/// expected user and password, offers STARTTLS with a given certificate, accepts every message, and
/// writes each command line it receives to ``commands``, prefixed `TLS` or `PLAIN` for whether
/// it came encrypted.
public final class ScriptedSMTPServer: @unchecked Sendable {
    public let port: UInt16
    private let directory: URL
    private let process: ChildProcess

    private static let script = #"""
        import base64, os, socket, ssl, sys
        folder, token, cert, key, mechanisms = sys.argv[1:6]
        user, password = base64.b64decode(token).split(b"\0")[1:3]
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        with open(folder + "/port.tmp", "w") as f:
            f.write(str(server.getsockname()[1]))
        os.rename(folder + "/port.tmp", folder + "/port")
        log = open(folder + "/commands", "a", buffering=1)
        while True:
            conn, _ = server.accept()
            state = {"conn": conn, "file": conn.makefile("rb"), "tls": False}
            def send(text):
                state["conn"].sendall(text.encode() + b"\r\n")
            send("220 scripted.test ESMTP")
            while True:
                line = state["file"].readline()
                if not line:
                    break
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                log.write(("TLS " if state["tls"] else "PLAIN ") + text + "\n")
                verb = text.split(" ")[0].upper()
                if verb == "EHLO":
                    extensions = ["AUTH " + mechanisms] + ([] if state["tls"] else ["STARTTLS"])
                    send("250-scripted.test")
                    for extension in extensions[:-1]:
                        send("250-" + extension)
                    send("250 " + extensions[-1])
                elif verb == "STARTTLS":
                    send("220 2.0.0 ready")
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    context.load_cert_chain(cert, key)
                    state["conn"] = context.wrap_socket(state["conn"], server_side=True)
                    state["file"] = state["conn"].makefile("rb")
                    state["tls"] = True
                elif text.upper() == "AUTH LOGIN" and "LOGIN" in mechanisms.split():
                    answers = []
                    for prompt in ("VXNlcm5hbWU6", "UGFzc3dvcmQ6"):
                        send("334 " + prompt)
                        answer = state["file"].readline().decode().rstrip("\r\n")
                        log.write(("TLS " if state["tls"] else "PLAIN ") + answer + "\n")
                        answers.append(base64.b64decode(answer))
                    send("235 2.7.0 accepted" if answers == [user, password] else "535 5.7.8 bad credentials")
                elif verb == "AUTH":
                    send("235 2.7.0 accepted" if text == "AUTH PLAIN " + token else "535 5.7.8 bad credentials")
                elif verb == "DATA":
                    send("354 go ahead")
                    while state["file"].readline() not in (b".\r\n", b""):
                        pass
                    send("250 2.0.0 queued")
                elif verb == "QUIT":
                    send("221 2.0.0 bye")
                    break
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    send("250 2.0.0 ok")
                else:
                    send("500 5.5.2 unknown command")
            # The file object holds the socket open until it is closed too.
            state["file"].close()
            state["conn"].close()
        """#

    /// Starts the server; it offers the SASL `mechanisms` (PLAIN and LOGIN are understood),
    /// accepts only `user` and `password`, and offers STARTTLS with `certificate`.
    public init(user: String, password: String, certificate: SelfSignedCertificate,
                mechanisms: String = "PLAIN LOGIN") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
        process = try ChildProcess("/usr/bin/python3",
                                   ["-c", Self.script, directory.path, token, certificate.certificateFile, certificate.keyFile, mechanisms],
                                   logFile: directory.appendingPathComponent("server.log").path)
        let portFile = directory.appendingPathComponent("port")
        let deadline = Date().addingTimeInterval(10)
        var port: UInt16?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { UInt16($0) }
            if port == nil { usleep(20_000) }
        }
        guard let port else {
            process.stop(grace: 1)
            try? FileManager.default.removeItem(at: directory)
            throw TestServerError(description: "the scripted SMTP server did not start")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    /// The command lines received so far, each prefixed `TLS ` or `PLAIN `.
    public var commands: [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("commands"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func stop() {
        process.stop(grace: 1)
        try? FileManager.default.removeItem(at: directory)
    }
}

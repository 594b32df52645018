import Foundation

/// An authentication server for SMTP AUTH through a throwaway Postfix, without Dovecot or Cyrus
/// SASL installed: it speaks the Dovecot authentication protocol that Postfix's smtpd uses with
/// `smtpd_sasl_type = dovecot`, on a UNIX socket, and knows one user and the PLAIN mechanism.
public final class SASLTestServer: Sendable {
    public let user: String
    public let password: String
    /// The socket for Postfix's `smtpd_sasl_path`.
    public let socketPath: String
    private let directory: URL
    private let process: ChildProcess

    /// The server: argv is the socket path, the user and the password. It greets each client
    /// with its version and mechanisms, then answers each AUTH request: PLAIN with the initial
    /// response (`resp=`), OK for the one user and password, FAIL for anything else, CONT when
    /// the response is still to come.
    private static let script = """
        import base64, os, socket, sys, threading
        path, user, password = sys.argv[1:4]
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        # smtpd runs as user postfix.
        os.chmod(path, 0o666)
        server.listen(16)
        def serve(connection):
            connection.sendall(("VERSION\\t1\\t2\\nMECH\\tPLAIN\\tplaintext\\nSPID\\t%d\\nCUID\\t1\\nCOOKIE\\t%s\\nDONE\\n"
                                % (os.getpid(), "0" * 32)).encode())
            pending = b""
            while True:
                data = connection.recv(4096)
                if not data:
                    return
                pending += data
                while b"\\n" in pending:
                    line, pending = pending.split(b"\\n", 1)
                    parts = line.decode().split("\\t")
                    if parts[0] != "AUTH" or len(parts) < 3:
                        continue
                    request = parts[1]
                    response = next((part[5:] for part in parts if part.startswith("resp=")), None)
                    if parts[2].upper() != "PLAIN":
                        connection.sendall(("FAIL\\t%s\\treason=mechanism\\n" % request).encode())
                    elif response is None:
                        connection.sendall(("CONT\\t%s\\t\\n" % request).encode())
                    else:
                        fields = base64.b64decode(response).split(b"\\0")
                        if fields[1:] == [user.encode(), password.encode()]:
                            connection.sendall(("OK\\t%s\\tuser=%s\\n" % (request, user)).encode())
                        else:
                            connection.sendall(("FAIL\\t%s\\n" % request).encode())
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()
        """

    /// Starts the server for `user` with `password` and waits for its socket.
    public init(user: String, password: String) throws {
        self.user = user
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmarcd-sasl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("auth").path
        let log = directory.appendingPathComponent("auth.log").path
        process = try ChildProcess(DKIMTestSigner.python, ["-c", Self.script, socketPath, user, password], logFile: log)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard Date() < deadline, process.isRunning else {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                stop()
                throw TestServerError(description: "the SASL test server did not open \(socketPath): \(output)")
            }
            usleep(20_000)
        }
    }

    deinit {
        stop()
    }

    /// Stops the server and removes its socket.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

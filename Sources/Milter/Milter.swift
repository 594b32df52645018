// Milter: the milter protocol (versions 2 to 6) as Postfix speaks it, the socket server and the
// per-connection session that feeds `Auth` and answers with header edits, reject or quarantine.

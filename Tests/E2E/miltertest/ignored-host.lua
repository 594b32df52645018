-- A client listed in IgnoreHosts: dmarcd accepts each message at MAIL (CONNECT is not
-- answered), so the MTA asks nothing more about the message and it is not touched.
dofile(COMMON)
run(function()
  local conn = connect()
  step(mt.conninfo(conn, "ignored.e2e.example", CLIENT_IP), "connect")
  step(mt.helo(conn, "ignored.e2e.example"), "HELO")
  step(mt.mailfrom(conn, "<" .. MAIL_FROM .. ">"), "MAIL FROM")
  check(mt.getreply(conn) == SMFIR_ACCEPT, "dmarcd did not accept the ignored client's message at MAIL")
  mt.disconnect(conn)
end)

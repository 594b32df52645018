-- A client listed in IgnoreHosts: dmarcd accepts at connect, so the MTA asks nothing more about
-- this connection and the message is not touched.
dofile(COMMON)
run(function()
  local conn = connect()
  step(mt.conninfo(conn, "ignored.e2e.example", CLIENT_IP), "connect")
  check(mt.getreply(conn) == SMFIR_ACCEPT, "dmarcd did not accept the ignored client at connect")
  mt.disconnect(conn)
end)

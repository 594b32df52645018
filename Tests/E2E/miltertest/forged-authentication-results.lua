-- The message arrives with an Authentication-Results field claiming dmarcd's authserv-id: dmarcd
-- removes it (a change to an empty value) and inserts its own (RFC 8601 §5).
dofile(COMMON)
run(function()
  local conn = connect()
  check(send_message(conn) == SMFIR_CONTINUE, "dmarcd did not continue at end of message")
  check(mt.eom_check(conn, MT_HDRCHANGE, "Authentication-Results", ""),
        "dmarcd did not remove the forged Authentication-Results field")
  expect_in(our_authentication_results(conn), "dmarc=pass")
  mt.disconnect(conn)
end)

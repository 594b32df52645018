-- dmarcd's DNS server is gone: the message still goes on (a tempfail here would hold up all
-- mail), with temperror in the Authentication-Results field.
dofile(COMMON)
run(function()
  local conn = connect()
  check(send_message(conn) == SMFIR_CONTINUE, "dmarcd did not continue at end of message")
  local results = our_authentication_results(conn)
  expect_in(results, "dkim=temperror")
  expect_in(results, "dmarc=temperror")
  mt.disconnect(conn)
end)

-- Mail with an aligned DKIM signature passes DMARC: dmarcd continues and inserts its
-- Authentication-Results field.
dofile(COMMON)
run(function()
  local conn = connect()
  check(send_message(conn) == SMFIR_CONTINUE, "dmarcd did not continue at end of message")
  local results = our_authentication_results(conn)
  expect_in(results, "dkim=pass")
  expect_in(results, "header.d=aligned.example")
  expect_in(results, "spf=pass")
  expect_in(results, "dmarc=pass")
  mt.disconnect(conn)
end)

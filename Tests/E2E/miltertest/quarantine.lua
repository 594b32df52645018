-- Mail failing DMARC under p=quarantine, with HoldQuarantinedMessages true: dmarcd asks the MTA
-- to hold it, and lets it through to the queue.
dofile(COMMON)
run(function()
  local conn = connect()
  check(send_message(conn) == SMFIR_CONTINUE, "dmarcd did not continue at end of message")
  check(mt.eom_check(conn, MT_QUARANTINE, "DMARC policy of quarantining.example asks for quarantine"),
        "dmarcd did not quarantine the message with the expected reason")
  expect_in(our_authentication_results(conn), "dmarc=fail")
  mt.disconnect(conn)
end)

-- Mail failing DMARC under p=reject, with RejectFailures true: dmarcd answers 550 5.7.1
-- (RFC 3463 §3.8, delivery not authorized) and names the From: domain.
dofile(COMMON)
run(function()
  local conn = connect()
  check(send_message(conn) == SMFIR_REPLYCODE, "dmarcd did not answer with an SMTP reply")
  -- miltertest matches the reply only with code, enhanced code and text all given.
  check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "rejected by DMARC policy for rejecting.example"),
        "the SMTP reply is not 550 5.7.1 rejected by DMARC policy for rejecting.example")
  expect_in(our_authentication_results(conn), "dmarc=fail")
  mt.disconnect(conn)
end)

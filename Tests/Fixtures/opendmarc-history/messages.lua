-- Messages for make-history.sh; each carries the Authentication-Results of an earlier MTA
-- (authserv-id mx.example.test, which OpenDMARC is told to trust). No body: OpenDMARC
-- negotiates to skip it.
local function message(queue, ip, from, mailfrom, results)
  local conn = mt.connect("inet:18893@127.0.0.1", 40, 0.25)
  if conn == nil then error("cannot connect to opendmarc") end
  mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.test")
  if mt.conninfo(conn, "client.example", ip) ~= nil then error("conninfo") end
  if mt.helo(conn, "client.example") ~= nil then error("helo") end
  mt.macro(conn, SMFIC_MAIL, "i", queue)
  if mt.mailfrom(conn, mailfrom) ~= nil then error("mailfrom") end
  if mt.rcptto(conn, "<postmaster@mx.example.test>") ~= nil then error("rcptto") end
  if results ~= nil then mt.header(conn, "Authentication-Results", results) end
  mt.header(conn, "From", from)
  mt.header(conn, "Subject", "history fixture")
  if mt.eoh(conn) ~= nil then error("eoh") end
  if mt.eom(conn) ~= nil then error("eom") end
  print(queue .. " answered")
  mt.disconnect(conn)
end

message("3F1A2B001", "192.0.2.10", "<alice@example.net>", "<bounce@example.net>",
  "mx.example.test; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net header.s=sel1")
message("3F1A2B002", "198.51.100.7", "<ceo@example.net>", "<x@spammer.example>",
  "mx.example.test; spf=fail smtp.mailfrom=spammer.example; dkim=fail header.d=spammer.example header.s=k1")
message("3F1A2B003", "2001:db8::25", "<orders@shop.example.net>", "<orders@shop.example.net>",
  "mx.example.test; spf=softfail smtp.mailfrom=shop.example.net")
message("3F1A2B004", "203.0.113.5", "<news@example.org>", "<news@lists.example.org>",
  "mx.example.test; spf=pass smtp.mailfrom=lists.example.org; dkim=pass header.d=example.org header.s=s2024; dkim=fail header.d=esp.example header.s=esp")
message("3F1A2B005", "192.0.2.99", "<someone@nodmarc.example>", "<someone@nodmarc.example>",
  "mx.example.test; spf=neutral smtp.mailfrom=nodmarc.example")
message("3F1A2B006", "192.0.2.11", "<alice@example.net>", "<alice@example.net>", nil)

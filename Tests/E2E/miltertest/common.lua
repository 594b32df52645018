-- Steps shared by the scripts in this folder, which drive a running dmarcd as Postfix would.
-- The test that runs them defines these globals with miltertest's -D:
--   SOCKET      where dmarcd listens (inet:PORT@127.0.0.1 or unix:PATH)
--   MESSAGE     a file holding the message to send (CRLF line ends)
--   CLIENT_IP   the SMTP client's address
--   MAIL_FROM   the envelope sender
--   AUTHSERV_ID dmarcd's authserv-id

-- Runs a script's steps. miltertest exits 1 on a Lua error but prints nothing about it, so the
-- error and where it happened go to standard output first.
function run(steps)
  local ok, message = xpcall(steps, debug.traceback)
  if not ok then
    mt.echo("FAILED: " .. tostring(message))
    error(message, 0)
  end
end

function check(condition, text)
  if not condition then
    error(text, 2)
  end
end

-- miltertest's functions return nil on success and a reason otherwise.
function step(result, name)
  check(result == nil, name .. " failed: " .. tostring(result))
end

function connect()
  -- dmarcd is running already; the retries only cover a slow first accept.
  local conn = mt.connect(SOCKET, 50, 0.1)
  check(conn ~= nil, "cannot connect to " .. SOCKET)
  return conn
end

-- The header fields (name and value, continuation lines kept) and the body of MESSAGE.
function read_message()
  local file = assert(io.open(MESSAGE, "rb"))
  local text = file:read("a")
  file:close()
  local head, body = text:match("^(.-)\r\n\r\n(.*)$")
  check(head ~= nil, MESSAGE .. " has no empty line after its header")
  local fields = {}
  for line in (head .. "\r\n"):gmatch("(.-)\r\n") do
    if line:match("^[ \t]") then
      -- Postfix passes folded values on with bare LF between the lines.
      fields[#fields].value = fields[#fields].value .. "\n" .. line
    else
      local name, value = line:match("^([^:]+):(.*)$")
      fields[#fields + 1] = { name = name, value = value }
    end
  end
  return fields, body
end

-- Sends the connection, envelope and MESSAGE up to and including end-of-message, and returns
-- dmarcd's final reply.
function send_message(conn)
  step(mt.conninfo(conn, "client.e2e.example", CLIENT_IP), "connect")
  check(mt.getreply(conn) == SMFIR_CONTINUE, "dmarcd did not continue after the connect of a checked client")
  step(mt.helo(conn, "client.e2e.example"), "HELO")
  step(mt.mailfrom(conn, "<" .. MAIL_FROM .. ">"), "MAIL FROM")
  step(mt.rcptto(conn, "<postmaster@e2e.example>"), "RCPT TO")
  local fields, body = read_message()
  -- Without SMFIP_HDR_LEADSPC the MTA drops the space after the colon, as Postfix does.
  local keep_space = mt.test_option(conn, SMFIP_HDR_LEADSPC)
  for _, field in ipairs(fields) do
    local value = field.value
    if not keep_space then
      value = value:gsub("^ ", "")
    end
    step(mt.header(conn, field.name, value), "header " .. field.name)
  end
  step(mt.eoh(conn), "end of header")
  step(mt.bodystring(conn, body), "body")
  step(mt.eom(conn), "end of message")
  return mt.getreply(conn)
end

-- The value of the Authentication-Results field dmarcd inserted, without leading space.
function our_authentication_results(conn)
  check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
        "dmarcd inserted no Authentication-Results field")
  local value = mt.getheader(conn, "Authentication-Results", 0)
  check(value ~= nil, "miltertest has no value for the inserted Authentication-Results field")
  value = value:gsub("^%s+", "")
  check(value:sub(1, #AUTHSERV_ID + 1) == AUTHSERV_ID .. ";",
        "the field does not start with our authserv-id: " .. value)
  return value
end

-- Fails unless `value` contains `text` as it is (no pattern characters).
function expect_in(value, text)
  check(value:find(text, 1, true) ~= nil, "expected " .. text .. " in: " .. value)
end

#!/bin/sh
# Writes opendmarc-1.4.2.dat: Debian's OpenDMARC 1.4.2 milter checks the messages of
# messages.lua (driven by miltertest) and appends one history record per message.
# Needs root: nsd answers on 127.0.0.1:53 and, in a private mount namespace, /etc/resolv.conf
# points OpenDMARC's resolver there, so no query leaves the machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(cat "$work/nsd.pid" 2>/dev/null) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

cat > "$work/example.net.zone" <<'ZONE'
$ORIGIN example.net.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 300
@ IN NS ns
ns IN A 127.0.0.1
_dmarc IN TXT "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=100; rua=mailto:dmarc@example.net"
_dmarc.shop IN TXT "v=DMARC1; p=quarantine; rua=mailto:a@example.net,mailto:b@reports.example.org"
ZONE
cat > "$work/example.org.zone" <<'ZONE'
$ORIGIN example.org.
$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 300
@ IN NS ns
ns IN A 127.0.0.1
_dmarc IN TXT "v=DMARC1; p=none; pct=50"
ZONE
cat > "$work/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  port: 53
  username: ""
  zonesdir: "$work"
  database: ""
  pidfile: "$work/nsd.pid"
  xfrdfile: "$work/xfrd.state"
  zonelistfile: "$work/zone.list"
  logfile: "$work/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: example.net
  zonefile: "example.net.zone"
zone:
  name: example.org
  zonefile: "example.org.zone"
CONF
/usr/sbin/nsd -c "$work/nsd.conf"
echo "nameserver 127.0.0.1" > "$work/resolv.conf"

cat > "$work/opendmarc.conf" <<CONF
Socket inet:18893@127.0.0.1
Background false
AuthservID mx.example.test
TrustedAuthservIDs mx.example.test
HistoryFile $work/history.dat
RecordAllMessages true
IgnoreHosts $work/ignore-nothing
PidFile $work/opendmarc.pid
CONF
: > "$work/ignore-nothing"

cat > "$work/run.sh" <<RUN
mount --bind "$work/resolv.conf" /etc/resolv.conf
/usr/sbin/opendmarc -c "$work/opendmarc.conf" -f &
sleep 1
miltertest -s "$here/messages.lua"
status=\$?
kill \$!
wait
exit \$status
RUN
unshare -m sh "$work/run.sh"
cp "$work/history.dat" "$here/opendmarc-1.4.2.dat"

#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/<target>/ from the shared public corpus and a few
inputs of our own (see Fuzz/corpus/PROVENANCE.md). Run from the package root; the shared corpus
is ../shared/corpus unless DMARCD_CORPUS names another place. Seeds are named by the SHA-1 of
their bytes, as libFuzzer names the inputs it keeps, so rerunning adds nothing twice."""
import glob, gzip, hashlib, io, os, re, struct, sys, zipfile
import yaml

CORPUS = os.environ.get("DMARCD_CORPUS", "../shared/corpus")
OUT = "Fuzz/corpus"
MAX_SEED = 16 * 1024


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_SEED:
        return
    os.makedirs(f"{OUT}/{target}", exist_ok=True)
    with open(f"{OUT}/{target}/{hashlib.sha1(data).hexdigest()}", "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def corpus(pattern):
    return sorted(glob.glob(os.path.join(CORPUS, pattern), recursive=True))


def header_fields(message):
    """(name, unfolded value) of each field of a message's header block."""
    head = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0].decode("utf-8", "replace")
    fields = []
    for line in re.split(r"\r?\n", head):
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            fields.append([name.strip(), value.strip()])
    return fields


messages = [read(p) for p in corpus("rfc-examples/*.eml") + corpus("dkimpy/data/*.msg")
            + corpus("dkimpy/data/*.message*") + corpus("stalwart-mail-auth/resources/arf/*.eml")
            + corpus("stalwart-mail-auth/resources/dmarc-feedback/*.eml")
            + corpus("sisimai-set-of-emails/maildir/bsd/arf-0*.eml")]
messages = [m for m in messages if len(m) <= MAX_SEED]

# Header blocks and the values of the fields the parsers read.
for message in messages:
    put("header-fields", re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0] + b"\r\n\r\n")
    for name, value in header_fields(message):
        lower = name.lower()
        if lower in ("from", "sender", "reply-to", "to", "cc"):
            put("address-list", value)
        elif lower == "dkim-signature":
            put("dkim-signature", value)
        elif lower in ("authentication-results", "arc-authentication-results"):
            put("authentication-results", value.split(";", 1)[1].strip() if lower.startswith("arc") and ";" in value else value)
for line in read(f"{CORPUS}/authres-python/authres-headers-extracted.txt").decode().splitlines():
    if ":" in line:
        put("authentication-results", line.split(":", 1)[1].strip())

# DKIM key records: dkimpy's TXT files and the DNS lines of stalwart's DKIM cases.
for path in corpus("dkimpy/data/*.txt") + corpus("dkimpy/data/*.dns"):
    put("dkim-key-record", read(path).strip())
for path in corpus("stalwart-mail-auth/resources/dkim/*.txt"):
    for line in read(path).decode().split("\n\n", 1)[0].splitlines():
        if " " in line:
            put("dkim-key-record", line.split(" ", 1)[1].strip())

# SPF records and the macro-strings in them, from the pyspf RFC 7208 suite.
macros = set()
for doc in yaml.safe_load_all(read(f"{CORPUS}/spf-pyspf/rfc7208-tests.yml")):
    for records in (doc or {}).get("zonedata", {}).values():
        for record in records:
            if not isinstance(record, dict):
                continue
            for kind, value in record.items():
                if kind not in ("SPF", "TXT") or value == "NONE":
                    continue
                text = "".join(value) if isinstance(value, list) else str(value)
                if text.lower().startswith("v=spf1"):
                    put("spf-record", text)
                    for term in text.split()[1:]:
                        argument = re.split(r"[:=]", term, maxsplit=1)
                        if len(argument) == 2 and "%" in argument[1]:
                            macros.add(argument[1])
                elif "%" in text:
                    macros.add(text)
# RFC 7208 §7.4's examples, written here with the sender and HELO lines the target reads.
macros |= {"%{s}", "%{o}", "%{d}", "%{d4}", "%{d3}", "%{d2}", "%{d1}", "%{dr}", "%{d2r}", "%{l}",
           "%{l-}", "%{lr}", "%{lr-}", "%{l1r-}", "%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp._spf.%{d2}",
           "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
           "%{d2}.trusted-domains.example.net", "%{p} %{c} %{r} %{t} %% %_ %-", "%{I}%{S}"}
for macro in sorted(macros):
    put("spf-macro", f"{macro}\nstrong-bad@email.example.com\nmx.example.org")

# DMARC records: the examples of the DMARCbis draft and hand-written edge cases.
draft = read(f"{CORPUS}/ietf-dmarcbis/dmarcbis/draft-ietf-dmarc-dmarcbis-41.txt").decode()
for match in re.finditer(r'\(\s*((?:"[^"]*"\s*)+)\)', draft):
    text = "".join(re.findall(r'"([^"]*)"', match.group(1)))
    if text.startswith("v=DMARC1"):
        put("dmarc-record", text)
for text in ["v=DMARC1", "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=r; psd=y; t=n",
             "v=DMARC1; p=none; pct=50; fo=0:1:d:s; rf=afrf; ri=3600",
             "v=DMARC1; p=quarantine; rua=mailto:a@example.com!10m,https://r.example/x; ruf=mailto:f%2Cg@example.com!1k"]:
    put("dmarc-record", text)

# Milter streams: the commands of one Postfix session, framed as in the milter protocol, after
# the byte that picks the piece size. Payload layouts follow milter-protocol/ in the corpus.
def frame(code, payload=b""):
    return struct.pack(">I", len(payload) + 1) + code + payload

session = b"".join([
    frame(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)),
    frame(b"D", b"C" + b"j\0mx.example.org\0{daemon_name}\0smtpd\0"),
    frame(b"C", b"client.example.com\x004" + struct.pack(">H", 25) + b"192.0.2.3\0"),
    frame(b"H", b"client.example.com\0"),
    frame(b"D", b"M" + b"i\0" + b"4AbCdE\0"),
    frame(b"M", b"<strong-bad@email.example.com>\0SIZE=100\0"),
    frame(b"R", b"<postmaster@example.org>\0"),
    frame(b"L", b"From\0Strong Bad <strong-bad@email.example.com>\0"),
    frame(b"L", b"DKIM-Signature\0v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=x; b=y\0"),
    frame(b"N"),
    frame(b"B", b"Hello.\r\n"),
    frame(b"E"),
    frame(b"A"),
    frame(b"Q"),
])
replies = b"".join([frame(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)), frame(b"c"),
                    frame(b"h", b"Authentication-Results\0mx.example.org; dmarc=pass\0"),
                    frame(b"i", struct.pack(">I", 0) + b"Authentication-Results\0mx.example.org; spf=pass\0"),
                    frame(b"y", b"550 5.7.1 rejected by DMARC policy\0"), frame(b"a"), frame(b"r"), frame(b"t")])
for piece in (b"\xff", b"\x00", b"\x06"):
    put("milter-frames", piece + session)
    put("milter-frames", piece + replies)
put("milter-frames", b"\xff" + struct.pack(">I", 0))
put("milter-frames", b"\xff" + struct.pack(">I", 0x7FFFFFFF) + b"B")

# Report mail, report files, and what those files are packed in.
for path in (corpus("stalwart-mail-auth/resources/dmarc-feedback/*.eml")
             + corpus("stalwart-mail-auth/resources/dmarc-feedback/*.xml")
             + corpus("samuelba-dmarc-report-visualizer/*") + corpus("parsedmarc/samples/aggregate/*")):
    data = read(path)
    put("report-ingest", data)
    if path.endswith(".xml"):
        put("aggregate-xml", data)
xml = read(corpus("stalwart-mail-auth/resources/dmarc-feedback/001.xml")[0])
put("report-ingest", gzip.compress(gzip.compress(xml, mtime=0), mtime=0))
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("report.xml", (2024, 1, 1, 0, 0, 0)), xml)
put("report-ingest", archive.getvalue())
put("report-ingest", b"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n" + messages[-1]
    + b"\nFrom MAILER-DAEMON Thu Jan  1 00:00:00 2024\n" + messages[-2])

total = sum(os.path.getsize(p) for p in glob.glob(f"{OUT}/*/*") if not p.endswith(".md"))
print(f"{OUT}: {total} bytes", file=sys.stderr)

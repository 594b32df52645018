// Reporter: DMARC aggregate reports (RFC 9990) built from `Store`, compressed, wrapped in MIME and
// delivered through a durable outbox; failure reports; ingest of reports about our own domains.

// Auth: pure message authentication. SPF (RFC 7208), DKIM (RFC 6376, 8301, 8463), DMARC
// (RFC 9989), ARC (RFC 8617) and Authentication-Results (RFC 8601). Every check takes its
// inputs and a `DNSResolver` and returns an outcome value; DNS failures become temperror there.

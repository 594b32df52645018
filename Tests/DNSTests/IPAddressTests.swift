import DNS
import Testing

struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::", "::"),
    ])
    func textRoundTripsToCanonicalForm(text: String, canonical: String) {
        #expect(IPAddress(text)?.description == canonical)
    }

    @Test(arguments: ["", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8:::1", "example.com", "192.0.2.1/24"])
    func invalidTextIsRejected(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func networkMembershipComparesTheLeadingBits() {
        let address = IPAddress("192.0.2.130")!
        #expect(address.isInNetwork(IPAddress("192.0.2.128")!, prefixLength: 25))
        #expect(!address.isInNetwork(IPAddress("192.0.2.0")!, prefixLength: 25))
        #expect(address.isInNetwork(IPAddress("10.0.0.0")!, prefixLength: 0))
        #expect(address.isInNetwork(address, prefixLength: 32))
        let v6 = IPAddress("2001:db8:1:2::5")!
        #expect(v6.isInNetwork(IPAddress("2001:db8:1::")!, prefixLength: 48))
        #expect(!v6.isInNetwork(IPAddress("2001:db8:1::")!, prefixLength: 64))
        #expect(v6.isInNetwork(IPAddress("2001:db8:1:2::4")!, prefixLength: 125))
        #expect(!v6.isInNetwork(IPAddress("2001:db8:1:2::4")!, prefixLength: 128))
    }

    @Test func familiesNeverMatchEachOther() {
        #expect(!IPAddress("192.0.2.1")!.isInNetwork(IPAddress("::")!, prefixLength: 0))
    }

    @Test func mappedIPv4IsUnmappedAndOtherIPv6IsNot() {
        #expect(IPAddress("::ffff:192.0.2.1")!.unmappedIPv4 == IPAddress("192.0.2.1"))
        #expect(IPAddress("2001:db8::1")!.unmappedIPv4 == nil)
        #expect(IPAddress("192.0.2.1")!.unmappedIPv4 == nil)
    }

    @Test func reverseNamesFollowRFC1035AndRFC3596() {
        #expect(IPAddress("192.0.2.1")!.reverseName == "1.2.0.192.in-addr.arpa")
        #expect(IPAddress("2001:db8::1")!.reverseName
            == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }
}

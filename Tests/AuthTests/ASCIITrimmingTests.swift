import Auth
import Testing

struct ASCIITrimmingTests {
    @Test func envelopeAddressLosesItsAngleBracketsAndSpaces() {
        #expect(" <User@Example.COM>\t".trimmingASCII("<> \t") == "User@Example.COM")
        #expect("<>".trimmingASCII("<> \t") == "")
        #expect("".trimmingASCII("<> \t") == "")
        #expect("plain".trimmingASCII("<> \t") == "plain")
    }

    @Test func textOutsideASCIIIsKeptWhole() {
        #expect("<jöran@exämple.com>".trimmingASCII("<>") == "jöran@exämple.com")
        #expect("< é >"[...].trimmingASCII("<> ") == "é")
        #expect(" 名前 ".trimmingASCII(" ") == "名前")
    }
}

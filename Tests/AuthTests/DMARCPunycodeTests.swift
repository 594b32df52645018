import Auth
import Testing

@Suite("Punycode (RFC 3492) and A-label conversion (RFC 9989 §5.3.1)")
struct DMARCPunycodeTests {
    /// RFC 3492 §7.1 sample strings (code points and the expected encoding), and the labels of
    /// the Public Suffix List's IDN vectors.
    static let samples: [(name: String, scalars: [UInt32], encoded: String)] = [
        ("RFC 3492 §7.1 (A) Arabic (Egyptian)",
         [0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628, 0x062A, 0x0643, 0x0644, 0x0645, 0x0648, 0x0634, 0x0639,
          0x0631, 0x0628, 0x064A, 0x061F], "egbpdaj6bu4bxfgehfvwxn"),
        ("RFC 3492 §7.1 (B) Chinese (simplified)",
         [0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587], "ihqwcrb4cv8a8dqg056pqjye"),
        ("RFC 3492 §7.1 (L) 3年B組金八先生",
         [0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F], "3B-ww4c5e180e575a65lsy2b"),
        ("RFC 3492 §7.1 (M) -with-SUPER-MONKEYS",
         [0x5B89, 0x5BA4, 0x5948, 0x7F8E, 0x6075] + Array("-with-SUPER-MONKEYS".unicodeScalars.map(\.value)),
         "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        ("RFC 3492 §7.1 (S) only basic code points", Array("-> $1.00 <-".unicodeScalars.map(\.value)), "-> $1.00 <--"),
        ("PSL vector 食狮", [0x98DF, 0x72EE], "85x722f"),
        ("PSL vector 公司", [0x516C, 0x53F8], "55qx5d"),
        ("PSL vector 中国", [0x4E2D, 0x56FD], "fiqs8s"),
    ]

    @Test("sample strings encode as published", arguments: samples.indices)
    func sample(_ index: Int) {
        let sample = Self.samples[index]
        let label = String(String.UnicodeScalarView(sample.scalars.compactMap(Unicode.Scalar.init)))
        #expect(Punycode.encode(label) == sample.encoded, "\(sample.name)")
    }

    @Test("a label too long for DNS is not encoded")
    func tooLong() {
        #expect(Punycode.encode(String(repeating: "ü", count: 64)) == nil)
    }

    @Test("domains become lower-case A-labels without the final dot")
    func normalization() {
        #expect(DMARCDomainName.normalized("Example.COM.") == "example.com")
        #expect(DMARCDomainName.normalized("Bücher.Example") == "xn--bcher-kva.example")
        #expect(DMARCDomainName.normalized("食狮。公司．cn") == "xn--85x722f.xn--55qx5d.cn")
        #expect(DMARCDomainName.normalized("xn--85x722f.com.cn") == "xn--85x722f.com.cn")
        #expect(DMARCDomainName.normalized("_dmarc.example.com") == "_dmarc.example.com")
    }

    @Test("names that cannot be DNS host names are refused")
    func refusedNames() {
        for name in ["", ".", "a..b", ".example.com", "exa mple.com", "ex$ample.com", "\u{FFFD}.com",
                     String(repeating: "a", count: 64) + ".com", Array(repeating: "abcdefghij", count: 26).joined(separator: ".")] {
            #expect(DMARCDomainName.normalized(name) == nil, "\(name)")
        }
    }
}

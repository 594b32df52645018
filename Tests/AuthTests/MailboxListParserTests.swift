import Auth
import Testing

@Suite("RFC 5322 address lists")
struct MailboxListParserTests {
    /// Field values and the addresses (with display names) they hold.
    static let readable: [(value: String, mailboxes: [String])] = [
        ("jdoe@one.test", ["jdoe@one.test"]),
        ("John Doe <jdoe@machine.example>", ["John Doe <jdoe@machine.example>"]),
        ("\"Joe Q. Public\" <john.q.public@example.com>", ["Joe Q. Public <john.q.public@example.com>"]),
        ("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         ["Mary Smith <mary@x.test>", "jdoe@example.org", "Who? <one@y.test>"]),
        ("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         ["boss@nil.test", "Giant; \"Big\" Box <sysservices@example.net>"]),
        // RFC 5322 Appendix A.5: white space and comments.
        ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", ["Pete <pete@silly.test>"]),
        // RFC 5322 §4.4 obs-phrase: a period in an unquoted display name.
        ("John Q. Public <JQB@bar.com>", ["John Q. Public <JQB@bar.com>"]),
        // RFC 5322 Appendix A.6.3: obsolete white space and comments around the dots.
        ("John Doe <jdoe@machine(comment).  example>", ["John Doe <jdoe@machine.example>"]),
        ("Mary Smith\n  <mary@example.net>", ["Mary Smith <mary@example.net>"]),
        // RFC 5322 §4.4 obs-route.
        ("Joe <@relay1.test,@relay2.test:joe@example.com>", ["Joe <joe@example.com>"]),
        // RFC 5322 §4.4 obs-addr-list: empty elements.
        (", ,a@example.com,, b@example.com,", ["a@example.com", "b@example.com"]),
        ("\"quoted local\"@example.com", ["\"quoted local\"@example.com"]),
        ("user@[192.0.2.1]", ["user@[192.0.2.1]"]),
        // RFC 2047 encoded-words in display names, adjacent words joined.
        ("=?UTF-8?Q?Andr=C3=A9?= Pirard <PIRARD@vm1.ulg.ac.be>", ["André Pirard <PIRARD@vm1.ulg.ac.be>"]),
        ("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?= <ab@example.com>", ["ab <ab@example.com>"]),
        ("=?utf-8?b?5pel5pys?= <nihon@example.jp>", ["日本 <nihon@example.jp>"]),
        ("=?koi8-r?b?8NLJ18XU?= <ru@example.ru>", ["=?koi8-r?b?8NLJ18XU?= <ru@example.ru>"]),
        // RFC 6532 / RFC 8616: UTF-8 local parts, domains and names.
        ("Ærøskøbing <δοκιμή@παράδειγμα.δοκιμή>", ["Ærøskøbing <δοκιμή@παράδειγμα.δοκιμή>"]),
        // Carrier-issued local parts with empty dot-separated parts.
        ("a..b.@docomo.ne.jp", ["\"a..b.\"@docomo.ne.jp"]),
    ]

    @Test("readable field values", arguments: readable.indices)
    func readableValue(_ index: Int) throws {
        let (value, expected) = Self.readable[index]
        let entries = try MailboxListParser.parseAddressList(value)
        #expect(entries.flatMap(\.mailboxes).map(\.description) == expected, "\(value)")
    }

    @Test("groups, empty or not (RFC 5322 §3.4, RFC 6854)")
    func groups() throws {
        let entries = try MailboxListParser.parseAddressList(
            "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;, x@y.test")
        #expect(entries.count == 3)
        guard case .group(let name, let members) = entries[0], case .group(let empty, let none) = entries[1] else {
            Issue.record("groups not recognized: \(entries)")
            return
        }
        #expect(name == "A Group")
        #expect(members.map(\.address) == ["c@a.test", "joe@where.test", "jdoe@one.test"])
        #expect(empty == "Undisclosed recipients" && none.isEmpty)
        #expect(entries[2].mailboxes.map(\.address) == ["x@y.test"])
    }

    @Test("a mailbox list refuses groups")
    func mailboxListHasNoGroups() {
        #expect(throws: MailboxListParser.SyntaxError.self) { try MailboxListParser.parseMailboxList("G: a@b.test;") }
        #expect((try? MailboxListParser.parseMailboxList("a@b.test, C <c@d.test>"))?.map(\.domain) == ["b.test", "d.test"])
    }

    /// Values that are not address lists, with a word the reason must carry.
    static let unreadable: [(value: String, mentions: String)] = [
        ("", "no address"),
        ("John Doe", "expected"),
        ("john doe@example.com", "separated"),
        ("<john@example.com", ">"),
        ("john@", "domain"),
        ("john@example..com", "empty label"),
        ("john@example.com.", "empty label"),
        ("@example.com", "local part"),
        ("\"unterminated@example.com", "not closed"),
        ("(unterminated comment a@b.test", "not closed"),
        ("a@[1.2.3.4", "not closed"),
        ("john@evil.example <x@bank.example>", ","),
        ("Group: a@b.test", ";"),
        ("G1: G2: a@b.test;;", "group"),
        ("a@b.test\u{0}", "unexpected"),
        ("a@b.test) x", "unexpected"),
        ("<>", "@"),
    ]

    @Test("unreadable field values give a reason", arguments: unreadable.indices)
    func unreadableValue(_ index: Int) {
        let (value, mentions) = Self.unreadable[index]
        do {
            let entries = try MailboxListParser.parseAddressList(value)
            Issue.record("\(value.debugDescription) read as \(entries)")
        } catch {
            #expect(error.reason.contains(mentions), "\(value.debugDescription): \(error)")
        }
    }

    @Test("the address of a mailbox quotes a local part that is not a dot-atom")
    func addressQuoting() {
        #expect(Mailbox(localPart: "a b", domain: "x.test").address == "\"a b\"@x.test")
        #expect(Mailbox(localPart: "a\"b", domain: "x.test").address == "\"a\\\"b\"@x.test")
        #expect(Mailbox(localPart: "a.b", domain: "x.test").address == "a.b@x.test")
        #expect(Mailbox(localPart: "a..b", domain: "x.test").address == "\"a..b\"@x.test")
    }
}

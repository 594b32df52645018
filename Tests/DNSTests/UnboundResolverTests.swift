@testable import DNS
import Foundation
import Testing
import TestSupport

/// UnboundResolver against a real authoritative server (nsd) on 127.0.0.1.
@Suite(.serialized)
struct UnboundResolverTests {
    /// A 2048-bit RSA public key (SubjectPublicKeyInfo, base64), made for these tests.
    static let dkimKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7B7TcyxtC4n/gTi1VN3O49S3ihySI3Zs0vIkrBqgLCM1n08oNb7SiT1eyWsjVwJjpcvfNYlpNNlCs/J8odFoyBsp36AwPDH8nZTJ2xOe92wZq8TjmCograrktzaPNuDsDL+UDTlnlD4gLwOaWT2FQwn/Jbl8h6SsRyfw+Shx6NYjsL85gAlxNL2peTGyaCUSPADBUnXLEtldnunV5RrX8gviE4jXzf7V6pmQDSKU9VA9Z4Ip0v/Cd25cBYvEy6Rs2nNr8oC4ZZiHKJtufmqn+lAu37dhwFfqXSFKcgtbGmgbCYdGOWAjyfIs9qtIDV72eYDX3YAPJzQx3fHyNr9E+wIDAQAB"

    static let zone = DNSTestServer.Zone("example.test", records: """
        multi            TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"
        single           TXT "hello world"
        quoted           TXT "say \\"hi\\"" "semi;colon"
        twice            TXT "first"
        twice            TXT "second"
        sel._domainkey   TXT "v=DKIM1; k=rsa; p=\(dkimKey.prefix(200))" "\(dkimKey.dropFirst(200))"
        @                MX 10 mx1
        @                MX 20 mx2.example.net.
        mx1              A 192.0.2.10
        host             A 192.0.2.1
        host             AAAA 2001:db8::1
        only-a           A 192.0.2.2
        alias            CNAME host
        deep.below       A 192.0.2.3
        """)

    static let reverseZones = [
        DNSTestServer.Zone("2.0.192.in-addr.arpa", records: "1 PTR host.example.test.\n1 PTR other.example.test."),
        DNSTestServer.Zone("8.b.d.0.1.0.0.2.ip6.arpa", records:
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR host.example.test."),
    ]

    /// Names libunbound answers itself by default that these tests serve from nsd.
    static let testZones = ["test.", "2.0.192.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."]

    let server: DNSTestServer
    let resolver: UnboundResolver

    init() throws {
        server = try DNSTestServer(zones: [Self.zone] + Self.reverseZones, failingZones: ["broken.test"])
        resolver = try UnboundResolver(options: .init(
            forwarders: [server.forwarder], timeout: .seconds(2), forwardedLocalZones: Self.testZones))
    }

    @Test func txtRecordKeepsItsCharacterStringsApartAndJoinsThemForSPF() async throws {
        let answer = try await resolver.txt("multi.example.test")
        #expect(answer.records.count == 1)
        #expect(answer.records[0].strings.count == 3)
        #expect(answer.records[0].text == "v=spf1 ip4:192.0.2.0/24 -all")
        #expect(answer.ttl > 0 && answer.ttl <= 300)
    }

    @Test func anAnswerAskedAgainWithinItsTTLComesFromTheResolversOwnCache() async throws {
        let first = try await resolver.txt("single.example.test")
        #expect(resolver.cache.lookup("single.example.test", type: .txt) != nil)
        // With the server gone, only a kept answer can still arrive.
        server.stop()
        let again = try await resolver.txt("single.example.test")
        #expect(again.records == first.records)
        #expect(again.ttl <= first.ttl)
    }

    @Test func txtEscapesArriveAsBytes() async throws {
        let answer = try await resolver.txt("quoted.example.test")
        #expect(answer.records[0].strings.map { String(decoding: $0, as: UTF8.self) } == ["say \"hi\"", "semi;colon"])
    }

    @Test func severalTXTRecordsAtOneNameAreAllReturned() async throws {
        let answer = try await resolver.txt("twice.example.test")
        #expect(Set(answer.records.map(\.text)) == ["first", "second"])
    }

    @Test func dkimKeyOf2048BitsSplitOverTwoStringsJoinsBackWhole() async throws {
        let answer = try await resolver.txt("sel._domainkey.example.test")
        #expect(answer.records[0].strings.count == 2)
        #expect(answer.records[0].text == "v=DKIM1; k=rsa; p=" + Self.dkimKey)
    }

    @Test func mxRecordsCarryPreferenceAndFullName() async throws {
        let answer = try await resolver.mx("example.test")
        #expect(Set(answer.records) == [
            MXRecord(preference: 10, exchange: "mx1.example.test"),
            MXRecord(preference: 20, exchange: "mx2.example.net"),
        ])
    }

    @Test func addressesOfBothFamilies() async throws {
        #expect(try await resolver.a("host.example.test").records == [IPAddress("192.0.2.1")!])
        #expect(try await resolver.aaaa("host.example.test").records == [IPAddress("2001:db8::1")!])
    }

    @Test func aliasIsFollowedToItsTarget() async throws {
        #expect(try await resolver.a("alias.example.test").records == [IPAddress("192.0.2.1")!])
    }

    @Test func ptrForIPv4AndIPv6() async throws {
        let v4 = try await resolver.ptr(IPAddress("192.0.2.1")!)
        #expect(Set(v4.records) == ["host.example.test", "other.example.test"])
        let v6 = try await resolver.ptr(IPAddress("2001:db8::1")!)
        #expect(v6.records == ["host.example.test"])
    }

    @Test func missingNameIsNXDOMAIN() async throws {
        await #expect(throws: DNSError.nxdomain) { try await resolver.txt("nothing-here.example.test") }
    }

    @Test func aMissingNameAskedAgainWithinTheNegativeTTLComesFromTheResolversOwnCache() async throws {
        await #expect(throws: DNSError.nxdomain) { try await resolver.txt("nothing-here.example.test") }
        await #expect(throws: DNSError.noData) { try await resolver.mx("host.example.test") }
        #expect(resolver.cache.lookup("nothing-here.example.test", type: .txt) == .failure(.nxdomain))
        #expect(resolver.cache.lookup("host.example.test", type: .mx) == .failure(.noData))
        // With the server gone, only a kept absence can still arrive as one.
        server.stop()
        await #expect(throws: DNSError.nxdomain) { try await resolver.txt("nothing-here.example.test") }
        await #expect(throws: DNSError.noData) { try await resolver.mx("host.example.test") }
    }

    @Test func existingNameWithoutThatTypeIsNoData() async throws {
        await #expect(throws: DNSError.noData) { try await resolver.txt("only-a.example.test") }
        await #expect(throws: DNSError.noData) { try await resolver.aaaa("only-a.example.test") }
    }

    @Test func emptyNonTerminalIsNoData() async throws {
        await #expect(throws: DNSError.noData) { try await resolver.a("below.example.test") }
    }

    @Test func serverFailureIsTemporary() async throws {
        let error = await #expect(throws: DNSError.self) { try await resolver.txt("anything.broken.test") }
        #expect(error?.isTemporary == true)
        guard case .serverFailure = error else {
            Issue.record("expected a server failure, got \(String(describing: error))")
            return
        }
    }

    @Test func thousandConcurrentQueriesAllAnswer() async throws {
        let names = ["multi", "single", "twice", "only-a", "nothing-here"]
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<1000 {
                let name = names[index % names.count]
                group.addTask {
                    do throws(DNSError) {
                        _ = try await resolver.txt("\(name).example.test")
                        return name != "only-a" && name != "nothing-here"
                    } catch {
                        return (name == "only-a" && error == .noData) || (name == "nothing-here" && error == .nxdomain)
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count == 1000)
        #expect(outcomes.allSatisfy { $0 })
    }
}

/// Deadlines, cancellation and shutdown, where the forwarder never answers.
struct UnboundResolverDeadlineTests {
    @Test func deadIsTimeoutWithinTenPercentOfTheDeadline() async throws {
        let silent = try SilentDNSServer()
        let resolver = try UnboundResolver(options: .init(forwarders: [silent.forwarder], timeout: .milliseconds(800)))
        // A late deadline is late every time; one late wake-up of a busy machine is not the
        // resolver's doing, so a query over the bound is asked again, up to three times.
        var attempts: [Duration] = []
        for index in 0..<3 {
            let started = ContinuousClock.now
            await #expect(throws: DNSError.timeout) { try await resolver.txt("attempt\(index).example.com") }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(800), "took \(elapsed)")
            attempts.append(elapsed)
            if elapsed <= .milliseconds(880) { break }
        }
        #expect(attempts.contains { $0 <= .milliseconds(880) }, "took \(attempts)")
    }

    @Test func manyQueriesToADeadServerAllTimeOut() async throws {
        let silent = try SilentDNSServer()
        let resolver = try UnboundResolver(options: .init(forwarders: [silent.forwarder], timeout: .milliseconds(300)))
        let errors = await withTaskGroup(of: DNSError?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do throws(DNSError) {
                        _ = try await resolver.a("host\(index).example.com")
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: [DNSError?]()) { $0.append($1) }
        }
        #expect(errors.allSatisfy { $0 == .timeout })
    }

    @Test func cancelledTaskStopsWaiting() async throws {
        let silent = try SilentDNSServer()
        let resolver = try UnboundResolver(options: .init(forwarders: [silent.forwarder], timeout: .seconds(30)))
        let started = ContinuousClock.now
        let query = Task { try await resolver.txt("example.com") }
        try await Task.sleep(for: .milliseconds(100))
        query.cancel()
        await #expect(throws: DNSError.timeout) { try await query.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func shutdownEndsWaitingQueriesAndRefusesNewOnes() async throws {
        let silent = try SilentDNSServer()
        let resolver = try UnboundResolver(options: .init(forwarders: [silent.forwarder], timeout: .seconds(30)))
        let query = Task { try await resolver.txt("example.com") }
        try await Task.sleep(for: .milliseconds(100))
        resolver.shutdown()
        await #expect(throws: DNSError.serverFailure("resolver stopped")) { try await query.value }
        await #expect(throws: DNSError.serverFailure("resolver stopped")) { try await resolver.txt("example.com") }
    }

    @Test func invalidForwarderIsASetupError() {
        #expect(throws: UnboundResolver.SetupError.self) {
            try UnboundResolver(options: .init(forwarders: ["not an address"]))
        }
    }
}

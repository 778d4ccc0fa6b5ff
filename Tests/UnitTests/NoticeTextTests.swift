import FedBotModels
import MatrixClient
import SynapseAdmin
import Testing

@testable import FedBotCore

/// Notices as posted at 11:25 UTC, edits at 09:49 UTC.
private enum Texts {
    typealias F = WatcherFixture
    static let now = F.at(145)
    static let policy = WatcherPolicy()

    static func record(
        _ kind: NoticeRecord.Kind, _ servers: [String: Timestamp], rooms: [String: Int] = [:],
        recovered: [String: Timestamp] = [:], active: Int? = nil
    ) -> NoticeRecord {
        NoticeRecord(
            key: "\(kind.rawValue)-1", kind: kind, postedAt: now, servers: servers, sharedRooms: rooms,
            recovered: recovered, activeDestinations: active)
    }

    static func posted(_ record: NoticeRecord) -> Reply {
        NoticeText.posted(record, now: now, policy: policy)
    }

    static func many(_ count: Int, since: Timestamp) -> [String: Timestamp] {
        Dictionary(uniqueKeysWithValues: F.names(count).map { ($0, since) })
    }
}

@Suite struct NoticeTextPostedTests {
    typealias F = WatcherFixture

    @Test func aFailure() {
        let reply = Texts.posted(Texts.record(.failure, ["example.org": F.at(12)], rooms: ["example.org": 3]))
        #expect(
            reply.plain == """
                ⚠️ example.org unreachable since 09:12 UTC
                Failing for 2h 13m · 3 shared rooms
                Details: !fed show example.org · once it is back: !fed reset example.org
                """)
        #expect(
            reply.html
                == "<p>⚠️ <b>example.org</b> unreachable since 09:12 UTC</p><p>Failing for 2h 13m · 3 shared rooms</p>"
                + "<p>Details: <code>!fed show example.org</code> · once it is back: "
                + "<code>!fed reset example.org</code></p>")
    }

    @Test func anOldFailureWithOneOrUnknownSharedRooms() {
        let old = Texts.posted(Texts.record(.failure, ["example.org": F.at(-2000)], rooms: ["example.org": 1]))
        #expect(
            old.plain == """
                ⚠️ example.org unreachable since 2026-11-22 23:40 UTC
                Failing for 1d 11h · 1 shared room
                Details: !fed show example.org · once it is back: !fed reset example.org
                """)
        let unknown = Texts.posted(Texts.record(.failure, ["example.org": F.at(145, seconds: -20)]))
        #expect(unknown.plain.split(separator: "\n")[1] == "Failing for 20s")
    }

    @Test func aGroup() {
        let reply = Texts.posted(
            Texts.record(
                .group, ["a.example": F.at(12), "b.example": F.at(14), "c.example": F.at(12)],
                rooms: ["b.example": 1, "a.example": 12]))
        #expect(
            reply.plain == """
                ⚠️ 3 servers unreachable since 09:12 UTC
                • a.example — since 09:12 UTC, 12 rooms
                • c.example — since 09:12 UTC
                • b.example — since 09:14 UTC, 1 room
                Details: !fed show SERVER · once back: !fed reset SERVER
                """)
        #expect(
            reply.html
                == "<p>⚠️ <b>3</b> servers unreachable since 09:12 UTC</p><ul>"
                + "<li><code>a.example</code> — since 09:12 UTC, 12 rooms</li>"
                + "<li><code>c.example</code> — since 09:12 UTC</li>"
                + "<li><code>b.example</code> — since 09:14 UTC, 1 room</li></ul>"
                + "<p>Details: <code>!fed show SERVER</code> · once back: <code>!fed reset SERVER</code></p>")
    }

    @Test func aLargeGroupListsTheFirstFifteen() {
        let reply = Texts.posted(Texts.record(.group, Texts.many(30, since: F.at(12))))
        let lines = reply.plain.split(separator: "\n")
        #expect(lines.first == "⚠️ 30 servers unreachable since 09:12 UTC")
        #expect(lines.count == 1 + 15 + 1 + 1)
        #expect(lines[15] == "• s15.example — since 09:12 UTC")
        #expect(lines[16] == "• … and 15 more: !fed list failing")
    }

    @Test func anOutage() {
        let reply = Texts.posted(
            Texts.record(.outage, ["a.example": F.at(140), "b.example": F.at(141)], active: 3))
        #expect(
            reply.plain == """
                🚨 Homeserver cut off? 2 of 3 active servers unreachable since 11:20 UTC
                So many failing at once points at this server's network, DNS, TLS or firewall rather than at the remote servers.
                • a.example — since 11:20 UTC
                • b.example — since 11:21 UTC
                Check: !fed status · !fed list failing
                """)
        #expect(
            reply.html.hasPrefix(
                "<p>🚨 Homeserver cut off? <b>2</b> of 3 active servers unreachable since 11:20 UTC</p>"
                    + "<p>So many failing at once points at this server&#39;s network"))
        let unknown = Texts.posted(Texts.record(.outage, ["a.example": F.at(140), "b.example": F.at(141)]))
        #expect(unknown.plain.hasPrefix("🚨 Homeserver cut off? 2 servers unreachable since 11:20 UTC\n"))
    }

    @Test func aBaseline() {
        let one = Texts.posted(Texts.record(.baseline, ["a.example": F.at(-30)]))
        #expect(
            one.plain == """
                ℹ️ Watching federation: 1 server is already failing
                • a.example — since 08:30 UTC
                I will post here when they recover and when others start failing.
                """)
        let fifty = Texts.posted(Texts.record(.baseline, Texts.many(50, since: F.at(-3000))))
        let lines = fifty.plain.split(separator: "\n")
        #expect(lines.first == "ℹ️ Watching federation: 50 servers are already failing")
        #expect(lines[1] == "• s01.example — since 2026-11-22 07:00 UTC")
        #expect(lines[16] == "• … and 35 more: !fed list failing")
        #expect(lines.count == 18)
        #expect(
            fifty.html.hasPrefix(
                "<p>ℹ️ Watching federation: <b>50</b> servers are already failing</p><ul>"
                    + "<li><code>s01.example</code> — since 2026-11-22 07:00 UTC</li>"))
    }
}

@Suite struct NoticeTextFollowUpTests {
    typealias F = WatcherFixture

    func edited(_ record: NoticeRecord) -> Reply { NoticeText.edited(record, now: F.at(49)) }

    @Test func aRecoveredFailure() {
        let reply = edited(
            Texts.record(
                .failure, ["example.org": F.at(12)], rooms: ["example.org": 3], recovered: ["example.org": F.at(49)]))
        #expect(reply.plain == "✅ example.org recovered after 37m (unreachable 09:12 UTC–09:49 UTC)")
        #expect(reply.html == "<p>✅ <b>example.org</b> recovered after 37m (unreachable 09:12 UTC–09:49 UTC)</p>")
    }

    @Test func aGroupPartlyAndFullyRecovered() {
        let servers = ["a.example": F.at(10), "b.example": F.at(11), "c.example": F.at(12)]
        let partly = edited(Texts.record(.group, servers, recovered: ["b.example": F.at(40)]))
        #expect(
            partly.plain == """
                ⚠️ 2 of 3 servers still unreachable (since 09:10 UTC), 1 recovered
                • 🔴 a.example — since 09:10 UTC
                • ✅ b.example — recovered after 29m
                • 🔴 c.example — since 09:12 UTC
                """)
        #expect(
            partly.html
                == "<p>⚠️ 2 of 3 servers still unreachable (since 09:10 UTC), 1 recovered</p><ul>"
                + "<li>🔴 <code>a.example</code> — since 09:10 UTC</li>"
                + "<li>✅ <code>b.example</code> — recovered after 29m</li>"
                + "<li>🔴 <code>c.example</code> — since 09:12 UTC</li></ul>")
        let fully = edited(
            Texts.record(
                .group, servers, recovered: ["a.example": F.at(49), "b.example": F.at(40), "c.example": F.at(49)]))
        #expect(
            fully.plain == """
                ✅ All 3 servers recovered (unreachable since 09:10 UTC)
                • ✅ a.example — recovered after 39m
                • ✅ b.example — recovered after 29m
                • ✅ c.example — recovered after 37m
                """)
    }

    @Test func aBaselinePartlyRecovered() {
        let reply = edited(
            Texts.record(
                .baseline, ["a.example": F.at(-30), "b.example": F.at(-20)], recovered: ["a.example": F.at(49)]))
        #expect(
            reply.plain == """
                ⚠️ 1 of 2 servers still failing (since 08:30 UTC), 1 recovered
                • ✅ a.example — recovered after 1h 19m
                • 🔴 b.example — since 08:40 UTC
                """)
    }

    @Test func aBaselineOfOneServerRecoveredReadsLikeAFailure() {
        let reply = edited(Texts.record(.baseline, ["a.example": F.at(-30)], recovered: ["a.example": F.at(49)]))
        #expect(reply.plain == "✅ a.example recovered after 1h 19m (unreachable 08:30 UTC–09:49 UTC)")
    }

    @Test func anOutagePartlyRecovered() {
        let reply = edited(
            Texts.record(
                .outage, ["a.example": F.at(10), "b.example": F.at(11), "c.example": F.at(11)],
                recovered: ["a.example": F.at(49)], active: 4))
        #expect(
            reply.plain == """
                ⚠️ 2 of 3 servers still unreachable (since 09:10 UTC), 1 recovered
                They failed at once: this homeserver may have been cut off.
                • ✅ a.example — recovered after 39m
                • 🔴 b.example — since 09:11 UTC
                • 🔴 c.example — since 09:11 UTC
                """)
    }

    @Test func aLargeGroupEditListsTheFirstFifteen() {
        let reply = edited(
            Texts.record(.group, Texts.many(1234, since: F.at(12)), recovered: ["s01.example": F.at(40)]))
        let lines = reply.plain.split(separator: "\n")
        #expect(lines.first == "⚠️ 1,233 of 1,234 servers still unreachable (since 09:12 UTC), 1 recovered")
        #expect(lines[1] == "• ✅ s01.example — recovered after 28m")
        #expect(lines.last == "• … and 1,219 more")
        #expect(lines.count == 17)
    }

    @Test func theThreadedRecoveryReply() {
        let reply = NoticeText.recovered("example.org", since: F.at(12), now: F.at(49))
        #expect(reply.plain == "✅ example.org recovered after 37m")
        #expect(reply.html == "<p>✅ <b>example.org</b> recovered after 37m</p>")
        #expect(
            NoticeText.recovered("example.org", since: F.at(12), now: F.at(12, milliseconds: 999)).plain
                == "✅ example.org recovered after <1s")
        #expect(
            NoticeText.recovered("example.org", since: F.at(-3000), now: F.at(49)).plain
                == "✅ example.org recovered after 2d 2h")
    }

    @Test func reminders() {
        func incident(_ server: String, _ since: Timestamp) -> Incident {
            Incident(server: server, since: since, detectedAt: since, noticeKey: "group-1", lastNoticeAt: since)
        }
        let one = NoticeText.reminder([incident("a.example", F.at(12))], now: F.at(145), policy: Texts.policy)
        #expect(one.plain == "⏰ a.example still unreachable after 2h 13m")
        #expect(one.html == "<p>⏰ <b>a.example</b> still unreachable after 2h 13m</p>")
        let two = NoticeText.reminder(
            [incident("a.example", F.at(12)), incident("b.example", F.at(100))], now: F.at(145), policy: Texts.policy)
        #expect(
            two.plain == """
                ⏰ 2 servers still unreachable, the first for 2h 13m
                • a.example — failing for 2h 13m
                • b.example — failing for 45m
                """)
        #expect(
            two.html
                == "<p>⏰ 2 servers still unreachable, the first for 2h 13m</p><ul>"
                + "<li><code>a.example</code> — failing for 2h 13m</li>"
                + "<li><code>b.example</code> — failing for 45m</li></ul>")
        let many = NoticeText.reminder(
            F.names(17).map { incident($0, F.at(12)) }, now: F.at(145), policy: Texts.policy)
        let lines = many.plain.split(separator: "\n")
        #expect(lines.first == "⏰ 17 servers still unreachable, the first for 2h 13m")
        #expect(lines.last == "• … and 2 more: !fed incidents")
        #expect(lines.count == 17)
    }
}

/// Every kind of text the watcher sends, about `server` (and `other.example` where it takes two).
enum NoticeSample: String, CaseIterable, Sendable {
    case failure, group, outage, baseline, editedFailure, editedGroup, editedAll, editedBaseline, editedOutage
    case recovered, reminder, reminderOfTwo

    func reply(_ server: String) -> Reply {
        typealias F = WatcherFixture
        let two = [server: F.at(12), "other.example": F.at(14)]
        let now = F.at(145)
        switch self {
        case .failure: return Texts.posted(Texts.record(.failure, [server: F.at(12)], rooms: [server: 1_234]))
        case .group: return Texts.posted(Texts.record(.group, two, rooms: [server: 5]))
        case .outage: return Texts.posted(Texts.record(.outage, Texts.many(1_234, since: F.at(140)), active: 2_345))
        case .baseline: return Texts.posted(Texts.record(.baseline, Texts.many(1_234, since: F.at(-30))))
        case .editedFailure:
            return NoticeText.edited(Texts.record(.failure, [server: F.at(12)], recovered: [server: now]), now: now)
        case .editedGroup:
            return NoticeText.edited(Texts.record(.group, two, recovered: [server: now]), now: now)
        case .editedAll:
            return NoticeText.edited(
                Texts.record(.group, two, recovered: [server: now, "other.example": now]), now: now)
        case .editedBaseline:
            return NoticeText.edited(Texts.record(.baseline, two, recovered: [server: now]), now: now)
        case .editedOutage:
            return NoticeText.edited(Texts.record(.outage, two, recovered: ["other.example": now], active: 3), now: now)
        case .recovered: return NoticeText.recovered(server, since: F.at(12), now: now)
        case .reminder:
            let incident = Incident(server: server, since: F.at(12), detectedAt: F.at(13))
            return NoticeText.reminder([incident], now: now, policy: Texts.policy)
        case .reminderOfTwo:
            let incidents = two.map { Incident(server: $0.key, since: $0.value, detectedAt: F.at(15)) }
                .sorted { $0.since < $1.since }
            return NoticeText.reminder(incidents, now: now, policy: Texts.policy)
        }
    }
}

@Suite struct NoticeTextHeadlineTests {
    /// The first line is what a phone shows in a notification: short, complete, not a lead-in to the rest.
    @Test(arguments: NoticeSample.allCases)
    func theFirstLineStandsAloneAndFitsAPhone(sample: NoticeSample) {
        let reply = sample.reply("matrix.example.org")
        let headline = String(reply.plain.prefix { $0 != "\n" })
        #expect(headline.count <= 80, "\(headline.count) characters: \(headline)")
        #expect(!headline.hasSuffix(":"))
        #expect(headline.unicodeScalars.first.map { !$0.isASCII } == true, "starts with its symbol: \(headline)")
        // What: the server or how many; when: since when or for how long.
        #expect(headline.contains("matrix.example.org") || headline.contains(where: \.isNumber))
        #expect(
            ["since", "after", "for", "already failing"].contains { headline.contains($0) },
            "says since when: \(headline)")
    }

    @Test(arguments: NoticeSample.allCases)
    func serverNamesAreEscapedInHTML(sample: NoticeSample) {
        // Synapse does not validate destination names.
        let hostile = "<img src=x onerror=alert(1)>&\"'.example"
        let reply = sample.reply(hostile)
        #expect(!reply.html.contains("<img"))
        #expect(!reply.html.contains("\"'"))
        if reply.plain.contains(hostile) {
            #expect(reply.html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;.example"))
        }
    }
}

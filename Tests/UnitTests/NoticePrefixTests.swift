import FedBotCore
import FedBotModels
import MatrixClient
import Testing

@Suite struct NoticePrefixTests {
    @Test("notices suggest commands with the configured prefix")
    func configuredPrefix() {
        let now = Timestamp(milliseconds: 1_795_518_000_000)
        let record = NoticeRecord(
            key: "failure-1", kind: .failure, postedAt: now,
            servers: ["dead.example": Timestamp(milliseconds: now.milliseconds - 60_000)])
        let reply = NoticeText.posted(record, now: now, policy: WatcherPolicy(prefix: "!federation"))
        #expect(reply.plain.contains("!federation show dead.example"))
        #expect(reply.plain.contains("!federation reset dead.example"))
        #expect(!reply.plain.contains("!fed "))
    }
}

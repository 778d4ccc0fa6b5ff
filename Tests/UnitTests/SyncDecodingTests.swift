import FedBotModels
import Foundation
import MatrixClient
import Testing

/// A `/sync` response stays readable whatever one event in it looks like.
@Suite struct SyncDecodingTests {
    @Test func aMalformedEventIsSkippedNotFatal() throws {
        let json = #"""
            {"next_batch":"s2",
             "rooms":{
              "join":{"!ops:example.org":{"timeline":{"limited":false,"events":[
                {"type":"m.room.message","event_id":"$bad","sender":{"not":"a string"},"origin_server_ts":1,"content":{}},
                {"type":"m.room.message","event_id":"$good","sender":"@alice:example.org","origin_server_ts":2,
                 "content":{"msgtype":"m.text","body":"!fed list"}},
                42
              ]}}},
              "invite":{"!spam:evil.example":{"invite_state":{"events":[
                {"type":"m.room.canonical_alias","state_key":7,"sender":"@x:evil.example","content":{}},
                {"type":"m.room.member","state_key":"@fedbot:example.org","sender":"@x:evil.example",
                 "content":{"membership":"invite"}}
              ]}}}
             }}
            """#
        let sync = try JSONDecoder().decode(SyncResponse.self, from: Data(json.utf8))
        #expect(sync.nextBatch == "s2")
        #expect(sync.rooms.join[roomID("!ops:example.org")]?.timeline.map(\.eventID) == ["$good"])
        #expect(sync.rooms.invite[roomID("!spam:evil.example")]?.events.map(\.type) == ["m.room.member"])
    }
}

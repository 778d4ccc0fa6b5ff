import FedBotModels
import Foundation
import Logging
import MatrixClient
import SynapseAdmin
import Synchronization
import Testing

/// Error mapping and retries of the request layer, over a scripted transport (the network itself is
/// exercised against real Synapse in IntegrationTests).
@Suite struct HomeserverConnectionTests {
    /// Answers requests from a script and records them.
    final class ScriptedTransport: HTTPTransport {
        enum Step: Sendable {
            case respond(Int, String, [(name: String, value: String)] = [])
            case fail(MatrixError.Kind)
        }

        private let state: Mutex<(steps: [Step], requests: [HTTPRequest])>

        init(_ steps: [Step]) {
            state = Mutex((steps, []))
        }

        var requests: [HTTPRequest] { state.withLock { $0.requests } }

        func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
            let step = state.withLock { state -> Step in
                state.requests.append(request)
                return state.steps.isEmpty ? .respond(500, "{}") : state.steps.removeFirst()
            }
            switch step {
            case .respond(let status, let body, let headers):
                return HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
            case .fail(let kind):
                throw MatrixError(kind: kind, message: "scripted \(kind)")
            }
        }
    }

    /// Records sleeps instead of sleeping.
    final class SleepLog: Sendable {
        let slept = Mutex<[Duration]>([])
        var clock: InstantClock { InstantClock(log: self) }
        var sleeps: [Duration] { slept.withLock { $0 } }
    }

    struct InstantClock: Clock {
        typealias Duration = Swift.Duration
        typealias Instant = ContinuousClock.Instant
        let log: SleepLog
        var now: Instant { ContinuousClock.now }
        var minimumResolution: Duration { .zero }
        func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            log.slept.withLock { $0.append(deadline - ContinuousClock.now) }
        }
    }

    func connection(_ transport: ScriptedTransport, log: SleepLog = SleepLog()) -> HomeserverConnection {
        HomeserverConnection(
            baseURL: "https://hs.example/", accessToken: "secret-token", transport: transport,
            logger: Logger(label: "test"), clock: log.clock)
    }

    @Test("paths are percent-encoded segment by segment, the token goes in a header only")
    func urlsAndAuth() async throws {
        let transport = ScriptedTransport([
            .respond(
                200,
                #"{"destination":"a","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"last_successful_stream_ordering":null}"#
            )
        ])
        let admin = SynapseAdminClient(connection: connection(transport))
        _ = try await admin.destination(try #require(ServerName("[2001:db8::1]:8448")))
        let request = try #require(transport.requests.first)
        #expect(
            request.url == "https://hs.example/_synapse/admin/v1/federation/destinations/%5B2001%3Adb8%3A%3A1%5D%3A8448"
        )
        #expect(!request.url.contains("secret-token"))
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer secret-token" })
    }

    @Test("GETs retry on 5xx and transport errors with growing backoff, then succeed")
    func retriesTransient() async throws {
        let transport = ScriptedTransport([
            .respond(502, "<html>bad gateway</html>"), .fail(.connectionRefused), .fail(.timeout),
            .respond(200, #"{"destinations":[],"total":0}"#),
        ])
        let log = SleepLog()
        let admin = SynapseAdminClient(connection: connection(transport, log: log))
        let page = try await admin.destinations(DestinationQuery())
        #expect(page.total == 0)
        #expect(transport.requests.count == 4)
        #expect(log.sleeps.count == 3)
        #expect(log.sleeps[0] < log.sleeps[2])
    }

    @Test("429 waits what the server asks (retry_after_ms or Retry-After, the longer)")
    func rateLimit() async throws {
        let transport = ScriptedTransport([
            .respond(
                429, #"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1500}"#,
                [(name: "Retry-After", value: "2")]),
            .respond(200, #"{"destinations":[],"total":0}"#),
        ])
        let log = SleepLog()
        let admin = SynapseAdminClient(connection: connection(transport, log: log))
        _ = try await admin.destinations(DestinationQuery())
        #expect(log.sleeps.count == 1)
        #expect(log.sleeps[0] >= .milliseconds(1900) && log.sleeps[0] <= .seconds(2))
    }

    @Test("gives up after the last attempt with a typed error")
    func givesUp() async throws {
        let transport = ScriptedTransport(
            Array(repeating: .respond(503, #"{"errcode":"M_UNKNOWN","error":"busy"}"#), count: 10))
        let admin = SynapseAdminClient(connection: connection(transport))
        await #expect(throws: SynapseAdminError.serverError(status: 503, message: "busy")) {
            _ = try await admin.destinations(DestinationQuery())
        }
        #expect(transport.requests.count == RetryPolicy.idempotent.maxAttempts)
    }

    @Test("reset_connection is never retried blindly")
    func postNotRetried() async throws {
        let transport = ScriptedTransport([.fail(.timeout), .respond(200, "{}")])
        let admin = SynapseAdminClient(connection: connection(transport))
        await #expect(throws: SynapseAdminError.timeout) {
            _ = try await admin.resetConnection(try #require(ServerName("example.org")))
        }
        #expect(transport.requests.count == 1)
        #expect(transport.requests.first?.method == .post)
        #expect(transport.requests.first?.body == Data("{}".utf8))
    }

    @Test(
        "errors map to what a person should do",
        arguments: [
            (401, #"{"errcode":"M_MISSING_TOKEN","error":"Missing access token"}"#, SynapseAdminError.missingToken),
            (
                401, #"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}"#,
                .invalidToken
            ),
            (403, #"{"errcode":"M_FORBIDDEN","error":"You are not a server admin"}"#, .notServerAdmin),
            (404, #"{"errcode":"M_NOT_FOUND","error":"Unknown destination"}"#, .unknownDestination("example.org")),
            (404, #"{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}"#, .adminAPIUnavailable(status: 404)),
            (403, "<html>Forbidden by proxy</html>", .adminAPIUnavailable(status: 403)),
            (
                400, #"{"errcode":"M_INVALID_PARAM","error":"Query parameter limit must be an integer"}"#,
                .badRequest(errcode: "M_INVALID_PARAM", message: "Query parameter limit must be an integer")
            ),
        ])
    func errorMapping(status: Int, body: String, expected: SynapseAdminError) async throws {
        let transport = ScriptedTransport([.respond(status, body)])
        let admin = SynapseAdminClient(connection: connection(transport))
        await #expect(throws: expected) {
            _ = try await admin.destination(try #require(ServerName("example.org")))
        }
        #expect(!expected.description.contains("secret-token"))
    }

    @Test("a healthy destination's reset is 'not in backoff', not an error")
    func notInBackoff() async throws {
        let transport = ScriptedTransport([
            .respond(
                400,
                #"{"errcode":"M_UNKNOWN","error":"The retry timing does not need to be reset for this destination."}"#)
        ])
        let admin = SynapseAdminClient(connection: connection(transport))
        #expect(try await admin.resetConnection(try #require(ServerName("example.org"))) == .notInBackoff)
    }

    @Test("a page that does not move forward ends the walk instead of looping")
    func walkStops() async throws {
        let stuck = #"{"destinations":[{"destination":"a.example"}],"total":5,"next_token":"0"}"#
        let transport = ScriptedTransport(Array(repeating: .respond(200, stuck), count: 5))
        let admin = SynapseAdminClient(connection: connection(transport))
        var names: [String] = []
        for try await row in admin.allDestinations(pageSize: 1) { names.append(row.destination) }
        #expect(names == ["a.example"])
        #expect(transport.requests.count == 1)
    }

    @Test("invalid queries are refused before any request")
    func refusedQueries() async throws {
        let transport = ScriptedTransport([])
        let admin = SynapseAdminClient(connection: connection(transport))
        for query in [
            DestinationQuery(limit: 0), DestinationQuery(from: -1), DestinationQuery(nameContains: "a%b"),
            DestinationQuery(nameContains: "exämple"),
        ] {
            await #expect(throws: SynapseAdminError.self) { _ = try await admin.destinations(query) }
        }
        #expect(transport.requests.isEmpty)
    }
}

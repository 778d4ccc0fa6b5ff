import FedBotModels
import Foundation
import MatrixClient
import Testing

/// What a server may ask the bot to wait after a 429: clamped, never a trap.
@Suite struct RetryAfterTests {
    static func rateLimited(body: String, retryAfterHeader: String? = nil) -> MatrixError {
        let headers = retryAfterHeader.map { [(name: "Retry-After", value: $0)] } ?? []
        return HomeserverConnection.error(
            from: HTTPResponse(status: 429, headers: headers, body: Data(body.utf8)), request: "GET /sync")
    }

    @Test(
        "huge and tiny waits are clamped to 0.1…60 s; zero and negative ones are no hint",
        arguments: [
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":86400000}"#, nil, Duration.seconds(60)),
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":9223372036854775807}"#, nil, .seconds(60)),
            (#"{"errcode":"M_LIMIT_EXCEEDED"}"#, "9223372036854775807", .seconds(60)),
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":-5000}"#, nil, nil),
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":0}"#, "0", nil),
            (#"{"errcode":"M_LIMIT_EXCEEDED"}"#, "-3", nil),
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1}"#, nil, .milliseconds(100)),
            (#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1500}"#, "2", .seconds(2)),
        ] as [(String, String?, Duration?)])
    func clamped(body: String, header: String?, expected: Duration?) {
        #expect(Self.rateLimited(body: body, retryAfterHeader: header).retryAfter == expected)
    }

    @Test("a Retry-After that is not a number of seconds is ignored")
    func malformedHeader() {
        let error = Self.rateLimited(
            body: #"{"errcode":"M_LIMIT_EXCEEDED"}"#, retryAfterHeader: "Wed, 21 Oct 2015 07:28:00 GMT")
        #expect(error.retryAfter == nil)
        #expect(error.isRateLimited)
    }
}

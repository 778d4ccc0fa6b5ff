/// An HTTP/1.1 answer read to the end of the connection (`Connection: close`), de-chunked.
struct HTTPResponse: Sendable, Equatable {
    var status: Int
    /// Header names lower-cased; the last value wins.
    var headers: [String: String]
    var body: [UInt8]
    /// The body was cut at the size limit.
    var truncated: Bool

    init(status: Int, headers: [String: String], body: [UInt8], truncated: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// Parses raw bytes; nil when they do not start with a status line and headers.
    init?(raw: [UInt8], limit: Int) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else { return nil }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            return nil
        }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingSpaces
        }
        self.headers = headers
        var body = Array(raw[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = Self.dechunk(body)
        } else if let length = headers["content-length"].flatMap({ Int($0) }), length < body.count {
            body = Array(body.prefix(length))
        }
        truncated = body.count >= limit || raw.count >= limit + end.upperBound
        self.body = Array(body.prefix(limit))
    }

    /// Whether `raw` holds a whole answer (headers plus `Content-Length` bytes, or a last chunk).
    static func isComplete(_ raw: [UInt8]) -> Bool {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else { return false }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self).lowercased()
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            if let length = Int(line.dropFirst("content-length:".count).trimmingSpaces) {
                return raw.count - end.upperBound >= length
            }
        }
        if head.contains("transfer-encoding: chunked") {
            return raw.suffix(5) == [48, 13, 10, 13, 10]
        }
        return false
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < data.count {
            guard let lineEnd = data[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0].trimmingSpaces, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let stop = min(start + size, data.count)
            output += data[start..<stop]
            index = stop + 2
        }
        return output
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

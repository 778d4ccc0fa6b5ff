/// What `scripts/lab` commands other than `up` print (see LabModels.swift for where the JSON is described).

/// A row of the Synapse admin API's destination resource.
public struct LabDestination: Codable, Sendable, Equatable {
    public var destination: String
    public var retryLastTs: Int64?
    public var retryInterval: Int64?
    public var failureTs: Int64?
    public var lastSuccessfulStreamOrdering: Int64?

    enum CodingKeys: String, CodingKey {
        case destination
        case retryLastTs = "retry_last_ts"
        case retryInterval = "retry_interval"
        case failureTs = "failure_ts"
        case lastSuccessfulStreamOrdering = "last_successful_stream_ordering"
    }
}

/// What `waitFailing` / `waitHealthy` observed.
public struct LabWaitResult: Codable, Sendable, Equatable {
    public var destination: String
    public var failing: Bool
    /// Seconds from the start of the wait until the state was seen.
    public var elapsed: Double
    public var row: LabDestination

    enum CodingKeys: String, CodingKey {
        case destination, failing, row
        case elapsed = "elapsed_s"
    }
}

/// What `traffic` sent.
public struct LabTraffic: Codable, Sendable, Equatable {
    public var sent: Int
    public var roomID: String
    public var eventIDs: [String]

    enum CodingKeys: String, CodingKey {
        case sent
        case roomID = "room_id"
        case eventIDs = "event_ids"
    }
}

/// A JSON scalar from `scripts/lab sql`.
public enum LabSQLValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }

    /// The value as text; nil for SQL NULL.
    public var text: String? {
        switch self {
        case .null: nil
        case .bool(let b): b ? "1" : "0"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        }
    }

    public var description: String { text ?? "NULL" }
}

/// The result of `scripts/lab sql`.
public struct LabSQLResult: Codable, Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String: LabSQLValue]]
    public var rowcount: Int
}

/// What `stop-b`, `start-b`, `pause-b` and `resume-b` print.
public struct LabBState: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case stopped, running, paused
    }

    /// B's state afterwards.
    public var state: State
    /// `stop-b`: whether B was running.
    public var wasRunning: Bool?
    /// `start-b`, `pause-b`, `resume-b`: B's process ID.
    public var pid: Int32?
    /// `stop-b`, `start-b`: seconds the command took.
    public var elapsed: Double?

    enum CodingKeys: String, CodingKey {
        case state = "b"
        case wasRunning = "was_running"
        case pid
        case elapsed = "elapsed_s"
    }
}

/// What a failing `scripts/lab` command prints (with exit status 1); other keys are diagnostics for people.
public struct LabFailure: Codable, Sendable, Equatable {
    public var error: String
}

/// Values exchanged with `scripts/lab`: options in, decoded JSON out (`up`'s `LabInfo` here, the other commands'
/// results in LabResults.swift).
///
/// `scripts/fedbotlab/protocol.schema.json` is the one description of that JSON: each decoded type is named there
/// (`x-swift`), the Python side checks every document it prints against it, and `LabProtocolTests` decodes every
/// example in it into these types and encodes it back. Change a key there, here and in the Python together.

/// The database homeserver A runs on (B always runs on SQLite).
public enum LabDatabase: String, Sendable, Codable, CaseIterable {
    case sqlite
    case postgres
}

/// What `Lab.start` asks `scripts/lab up` for.
public struct LabOptions: Sendable, Equatable {
    /// A's database.
    public var db: LabDatabase
    /// Synthetic rows inserted into A's `destinations` table (`synthetic-000001.example` …).
    public var synthetic: Int
    /// How many of them are failing (spread evenly over the name order).
    public var syntheticFailing: Int
    /// `destination_rooms` rows per synthetic destination (the shared room, then extra real rooms on A).
    public var syntheticRooms: Int
    /// `rc_message` for A as `"PER_SECOND:BURST"` (e.g. `"0.5:2"`); nil keeps the relaxed default.
    public var rcMessage: String?
    /// Also the small internet on loopback (`LabInfo.internet`; B's federation certificate then comes from its CA).
    public var internet: Bool

    public init(
        db: LabDatabase = .sqlite,
        synthetic: Int = 0,
        syntheticFailing: Int = 0,
        syntheticRooms: Int = 1,
        rcMessage: String? = nil,
        internet: Bool = false
    ) {
        self.db = db
        self.synthetic = synthetic
        self.syntheticFailing = syntheticFailing
        self.syntheticRooms = syntheticRooms
        self.rcMessage = rcMessage
        self.internet = internet
    }

    /// `scripts/lab up` arguments for these options.
    var upArguments: [String] {
        var args = ["--db", db.rawValue]
        if synthetic > 0 {
            args += ["--synthetic", String(synthetic), "--synthetic-failing", String(syntheticFailing)]
        }
        if syntheticRooms != 1 {
            args += ["--synthetic-rooms", String(syntheticRooms)]
        }
        if let rcMessage {
            args += ["--rc-message", rcMessage]
        }
        if internet {
            args.append("--internet")
        }
        return args
    }
}

/// One homeserver of the lab.
public struct LabServer: Codable, Sendable, Equatable {
    /// `127.0.0.1:<federation port>`: the server name and the destination other servers see.
    public var serverName: String
    /// Plain-HTTP base URL of the client listener, which also serves `/_synapse/admin`.
    public var clientURL: String
    /// The TLS federation listener's port.
    public var federationPort: Int
    /// Process ID at start-up (B's changes on `startB`; see `Lab.currentPIDs`).
    public var pid: Int32

    enum CodingKeys: String, CodingKey {
        case serverName = "server_name"
        case clientURL = "client_url"
        case federationPort = "federation_port"
        case pid
    }
}

/// A logged-in account (fixed device ID, so the token belongs to a known device).
public struct LabUser: Codable, Sendable, Equatable {
    public var userID: String
    public var accessToken: String
    public var deviceID: String
    public var password: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case accessToken = "access_token"
        case deviceID = "device_id"
        case password
    }
}

/// The lab's accounts: three on A, one on B.
public struct LabUsers: Codable, Sendable, Equatable {
    /// On A, server admin: the bot's account.
    public var admin: LabUser
    /// On A, not a server admin: the human operator in tests.
    public var alice: LabUser
    /// On A, not a server admin: the unauthorised user.
    public var mallory: LabUser
    /// On B.
    public var bob: LabUser
}

/// A's private PostgreSQL server (`--db postgres`).
public struct LabPostgres: Codable, Sendable, Equatable {
    public var port: Int
    public var dsn: String
}

/// Synthetic destinations inserted by `up --synthetic` or `insert-destinations`.
public struct LabSynthetic: Codable, Sendable, Equatable {
    public var count: Int
    public var failing: Int
    public var prefix: String
    /// Room IDs every synthetic destination has a `destination_rooms` row for.
    public var rooms: [String]
    /// First and last name in name order (absent when `count` is 0).
    public var first: String?
    public var last: String?
    /// The failing ones (at most the first 100).
    public var failingNames: [String]
    /// Seconds the insert took (`insert-destinations` only).
    public var elapsed: Double?

    enum CodingKeys: String, CodingKey {
        case count, failing, prefix, rooms, first, last
        case failingNames = "failing_names"
        case elapsed = "elapsed_s"
    }
}

/// Everything `scripts/lab up` printed (also in `<dir>/lab.json`).
public struct LabInfo: Codable, Sendable, Equatable {
    public var dir: String
    public var db: LabDatabase
    public var a: LabServer
    public var b: LabServer
    public var users: LabUsers
    /// The room admin@A and bob@B share: A has a real `destinations` row for B.
    public var sharedRoomID: String
    public var postgres: LabPostgres?
    public var registrationSharedSecret: String
    /// The small internet (`LabOptions(internet: true)`), else nil.
    public var internet: LabInternet?
    /// Rooms used for synthetic `destination_rooms` rows; the shared room first.
    public var rooms: [String]?
    public var synthetic: LabSynthetic?
    /// The process that owns A, B and PostgreSQL.
    public var supervisor: LabSupervisor
    /// The Synapse version A and B run.
    public var synapseVersion: String
    /// Seconds spent in each start-up step, and `total`.
    public var timings: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case dir, db, a, b, users
        case sharedRoomID = "shared_room_id"
        case postgres
        case registrationSharedSecret = "registration_shared_secret"
        case internet
        case rooms, synthetic, supervisor
        case synapseVersion = "synapse_version"
        case timings
    }
}

/// The lab's supervisor: the parent of A, B and PostgreSQL (see docs/LAB.md).
public struct LabSupervisor: Codable, Sendable, Equatable {
    public var pid: Int32
    /// True when it is the `up --foreground` process itself (what `Lab.start` runs).
    public var foreground: Bool
    /// The process whose exit tears the lab down (`--watch-pid`).
    public var watchPID: Int32?

    enum CodingKeys: String, CodingKey {
        case pid, foreground
        case watchPID = "watch_pid"
    }
}

/// Why the lab could not do what was asked.
public enum LabError: Error, Sendable, CustomStringConvertible {
    /// `scripts/lab install` failed: no python3 with venv support, no network to PyPI, …
    case unavailable(String)
    /// A `scripts/lab` command failed; `message` is its JSON `error`, `stderr` the end of its log.
    case commandFailed(command: String, status: Int32, message: String, stderr: String)
    /// The command's output was not the JSON expected.
    case badOutput(command: String, output: String, stderr: String)
    /// The lab was shut down already.
    case shutDown

    public var description: String {
        switch self {
        case .unavailable(let why):
            "the Synapse lab is not available: \(why)"
        case .commandFailed(let command, let status, let message, let stderr):
            "scripts/lab \(command) failed (exit \(status)): \(message)\n--- stderr ---\n\(stderr)"
        case .badOutput(let command, let output, let stderr):
            "scripts/lab \(command) printed unexpected output: \(output.prefix(2000))\n--- stderr ---\n\(stderr)"
        case .shutDown:
            "the lab was shut down"
        }
    }
}

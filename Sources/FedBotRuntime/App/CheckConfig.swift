import FedBotCore
import FedBotModels
import Foundation
public import Logging
public import MatrixClient
import SynapseAdmin

/// `fedbot check-config`: a checklist, one line per check with ✓, ⚠ or ✗ and why.
public enum CheckConfig {
    public enum Status: String, Sendable {
        case ok = "✓"
        case warning = "⚠"
        case failed = "✗"
    }

    public struct Line: Sendable, Equatable {
        public var status: Status
        public var label: String
        public var detail: String

        public var text: String { "\(status.rawValue) \(label): \(detail)" }
    }

    /// Loads the config and runs every check. Exit status: 0 when nothing required failed (warnings are
    /// fine), 1 when a check failed, 2 when the config itself is invalid.
    public static func run(
        explicitConfig: String?, environment: [String: String], currentDirectory: String, logger: Logger,
        transport: (any HTTPTransport)? = nil, print output: @Sendable (String) -> Void
    ) async -> OneShot.ExitStatus {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(
                explicitPath: explicitConfig, environment: environment, currentDirectory: currentDirectory)
        } catch {
            output("✗ config: \(error.path ?? "the configuration") is not valid")
            for problem in error.problems { output("    \(problem)") }
            return .usageError
        }
        output("fedbot check-config (\(loaded.sourcePath))")
        let lines = await checks(loaded, logger: logger, transport: transport, print: output)
        let failed = lines.filter { $0.status == .failed }.count
        let warnings = lines.filter { $0.status == .warning }.count
        if failed == 0 {
            output(warnings == 0 ? "All checks passed." : "No problems; \(CountText.plural(warnings, "warning")).")
            return .success
        }
        output("\(CountText.plural(failed, "problem")) found.")
        return .apiError
    }

    /// Runs the checks and prints each line as it is known.
    static func checks(
        _ loaded: LoadedConfig, logger: Logger, transport: (any HTTPTransport)?,
        print output: @Sendable (String) -> Void
    ) async -> [Line] {
        var lines: [Line] = []
        func add(_ status: Status, _ label: String, _ detail: String) {
            let line = Line(status: status, label: label, detail: detail)
            lines.append(line)
            output(line.text)
        }
        let config = loaded.config
        add(
            .ok, "config",
            "valid (\(CountText.plural(config.bot.rooms.count, "admin room")), \(CountText.plural(config.notices.rooms.count, "notice room")), prefix \(config.bot.prefix))"
        )
        for warning in loaded.warnings { add(.warning, "config", warning) }
        if config.bot.rooms.isEmpty {
            add(.warning, "bot.rooms", "no admin rooms: nobody can send commands (fedbot fed still works from a shell)")
        }
        if config.bot.operators.isEmpty {
            add(
                .warning, "bot.operators",
                "no operators: only members with power level \(config.bot.minPowerLevel)+ in an admin room can run commands"
            )
        }

        let clients = Clients(config: config, logger: logger, transport: transport)
        // Homeserver and token.
        do {
            let versions = try await clients.matrix.versions()
            add(.ok, "homeserver", "\(config.homeserver.url) answers (\(versions.last ?? "no versions listed"))")
        } catch {
            add(.failed, "homeserver", "\(config.homeserver.url) does not answer: \(describe(error))")
            return lines
        }
        let me: MatrixClient.WhoAmI
        do {
            me = try await clients.matrix.whoAmI()
            add(.ok, "token", "valid for \(me.userID)" + (me.deviceID.map { " (device \($0))" } ?? " (no device)"))
        } catch {
            add(.failed, "token", "rejected: \(describe(error)); get a new one with `fedbot login`")
            return lines
        }

        // Admin rights, on the endpoints fedbot uses.
        do {
            let page = try await clients.admin.destinations(DestinationQuery(limit: 1))
            let version = (try? await clients.admin.serverVersion()).map { "Synapse \($0)" } ?? "admin API"
            add(
                .ok, "admin API",
                "\(version) at \(config.adminAPI.url): server admin rights, \(CountText.plural(page.total, "destination"))"
            )
        } catch {
            add(.failed, "admin API", error.description)
        }

        // Rooms: membership and encryption.
        let joined = Set((try? await clients.matrix.joinedRooms())?.map(\.rawValue) ?? [])
        let invited = await invitedRooms(clients.matrix)
        for (reference, role) in config.bot.rooms.map({ ($0, "admin room") })
            + config.notices.rooms.map({ ($0, "notice room") })
        {
            let label = "\(role) \(reference)"
            var roomID: RoomID?
            switch reference {
            case .id(let id): roomID = id
            case .alias(let alias):
                do {
                    roomID = try await clients.matrix.resolve(alias)
                } catch {
                    add(.failed, label, "the alias does not resolve: \(describe(error))")
                    continue
                }
            }
            guard let roomID else { continue }
            guard joined.contains(roomID.rawValue) else {
                if invited.contains(roomID) {
                    add(.warning, label, "invited, not joined yet: `fedbot run` accepts the invite")
                } else {
                    add(
                        .failed, label,
                        "\(me.userID) is not in this room and not invited: invite it (public rooms are joined by `fedbot run` itself)"
                    )
                }
                continue
            }
            let encrypted = (try? await clients.matrix.state(roomID, type: "m.room.encryption")) ?? nil != nil
            if encrypted && role == "admin room" {
                add(
                    .failed, label,
                    "encrypted: fedbot cannot read commands here. Use an unencrypted admin room, or put an E2EE proxy such as pantalaimon in front of fedbot"
                )
            } else if encrypted {
                add(.warning, label, "encrypted: notices are sent unencrypted, and clients will mark them so")
            } else {
                add(.ok, label, "joined, not encrypted")
            }
        }

        // State file.
        do {
            let store = try BotStore(path: config.storage.path)
            let synced = (try? await store.value(BotStore.Key.nextBatch)) ?? nil
            add(
                .ok, "state file",
                "\(config.storage.path) is writable" + (synced == nil ? " (new)" : " (has a sync position)"))
        } catch {
            add(.failed, "state file", "\(config.storage.path) cannot be opened for writing: \(error)")
        }

        if let listen = config.metrics.listen {
            add(.ok, "metrics", "will listen on \(listen) (/metrics, /healthz)")
        }
        return lines
    }

    /// Rooms the bot is invited to, from one quick `/sync` that changes nothing (no `since`, no stored position).
    static func invitedRooms(_ matrix: MatrixClient) async -> Set<RoomID> {
        guard let response = try? await matrix.sync(filter: SyncFilter.invitesOnly, since: nil, timeout: .zero) else {
            return []
        }
        return Set(response.rooms.invite.keys)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? MatrixError { return MatrixErrorText.describe(error) }
        return "\(error)"
    }
}

public import FedBotModels

/// What the bot is asked to do, whoever asks: the parser makes one from `!fed …` words, and a reaction on a
/// notice (🔁 → `.reset(server)`) makes the same value. The executor runs it; nothing downstream knows
/// whether it came from text or from a reaction.
public enum Action: Equatable, Sendable {
    case help(topic: CommandName?)
    case list(ListOptions)
    case show(ServerName)
    case rooms(ServerName, Paging)
    case reset(ServerName)
    /// `reset --failing [GLOB]`: every failing destination, or those matching.
    case resetFailing(Glob?)
    /// Several servers at once (🔁 on a grouped notice, or a confirmed bulk reset). Unconfirmed, more than
    /// `BulkReset.confirmAbove` servers are asked about first.
    case resetServers([ServerName], confirmed: Bool)
    case status
    case mute(ServerName, duration: Duration)
    /// `mute SERVER until-recovered`: ends by itself when its incident ends.
    case muteUntilRecovered(ServerName)
    case unmute(ServerName)
    case incidents
    case check(ServerName)
    case probes
    /// `ack SERVER`: no reminders about its open incident.
    case ack(ServerName)

    /// The declaration of the command this action belongs to.
    public var spec: CommandSpec {
        switch self {
        case .help: .help
        case .list: .list
        case .show: .show
        case .rooms: .rooms
        case .reset, .resetFailing, .resetServers: .reset
        case .status: .status
        case .mute, .muteUntilRecovered: .mute
        case .unmute: .unmute
        case .incidents: .incidents
        case .check: .check
        case .probes: .probes
        case .ack: .ack
        }
    }

    /// The command's name, for metrics, logs and replies.
    public var name: CommandName { spec.name }

    /// The server the action is about, if any.
    public var server: ServerName? {
        switch self {
        case .show(let server), .rooms(let server, _), .reset(let server), .mute(let server, _),
            .unmute(let server), .check(let server), .muteUntilRecovered(let server), .ack(let server):
            server
        case .resetServers(let servers, _):
            servers.count == 1 ? servers.first : nil
        case .help, .list, .status, .incidents, .probes, .resetFailing:
            nil
        }
    }

    /// The action's arguments as one line, for the audit log: `example.org`, `--failing *.example.org`.
    public var arguments: String {
        switch self {
        case .help(let topic): topic?.rawValue ?? ""
        case .list(let options): options.filter.rawValue + (options.text.map { " " + $0 } ?? "")
        case .show(let server), .reset(let server), .unmute(let server), .ack(let server), .check(let server):
            server.rawValue
        case .rooms(let server, let paging): "\(server) page \(paging.page)"
        case .resetFailing(let glob): "--failing" + (glob.map { " " + $0.pattern } ?? "")
        case .resetServers(let servers, let confirmed):
            servers.map(\.rawValue).joined(separator: " ") + (confirmed ? " (confirmed)" : "")
        case .mute(let server, let duration): "\(server) \(DurationText.format(duration))"
        case .muteUntilRecovered(let server): "\(server) until-recovered"
        case .status, .incidents, .probes: ""
        }
    }
}

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
    case status
    case mute(ServerName, duration: Duration)
    case unmute(ServerName)
    case incidents
    case check(ServerName)
    case probes

    /// The declaration of the command this action belongs to.
    public var spec: CommandSpec {
        switch self {
        case .help: .help
        case .list: .list
        case .show: .show
        case .rooms: .rooms
        case .reset: .reset
        case .status: .status
        case .mute: .mute
        case .unmute: .unmute
        case .incidents: .incidents
        case .check: .check
        case .probes: .probes
        }
    }

    /// The command's name, for metrics, logs and replies.
    public var name: CommandName { spec.name }

    /// The server the action is about, if any.
    public var server: ServerName? {
        switch self {
        case .show(let server), .rooms(let server, _), .reset(let server), .mute(let server, _),
            .unmute(let server), .check(let server):
            server
        case .help, .list, .status, .incidents, .probes:
            nil
        }
    }
}

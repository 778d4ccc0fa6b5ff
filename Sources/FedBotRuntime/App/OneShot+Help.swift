import FedBotCore
import FedBotModels
import Foundation

/// `fedbot fed --help`, `fedbot fed COMMAND --help` (or `-h`), `fedbot fed help [COMMAND]` and a bare
/// `fedbot fed`: answered without a config (the first thing a newcomer types), with its prefix when one loads.
extension OneShot {
    /// Whether `words` ask for help rather than run a command.
    static func asksForHelp(_ words: [String]) -> Bool {
        guard let first = words.first else { return true }
        if isHelpFlag(first) || first.lowercased() == CommandName.help.rawValue { return true }
        return CommandSpec.named(first) != nil && words.dropFirst().contains(where: isHelpFlag)
    }

    /// The help for `words` (which `asksForHelp`), and its exit status: `usage` is the CLI's own help of
    /// `fed`, shown before the chat commands for `--help`.
    static func help(_ words: [String], usage: String, config: FedBotConfig?) -> (text: String, status: ExitStatus) {
        let prefix = config?.bot.prefix ?? CommandParser().prefix
        let watcherEnabled = config.map { !$0.notices.rooms.isEmpty } ?? true
        let context = RenderContext(prefix: prefix, now: Timestamp.now())
        let commands = HelpReply(topic: nil, watcherEnabled: watcherEnabled).render(context).plain
        guard let first = words.first else { return (commands, .success) }
        if isHelpFlag(first) {
            let usage = usage.reversed().drop(while: \.isWhitespace).reversed()
            return (usage.isEmpty ? commands : String(usage) + "\n\n" + commands, .success)
        }
        // `help [COMMAND]` as the parser reads it (unknown commands get its suggestion); `COMMAND --help`.
        let topic: CommandName?
        if first.lowercased() == CommandName.help.rawValue {
            do {
                guard case .help(let name) = try CommandParser(prefix: prefix).parse(words: words) else {
                    return (commands, .success)
                }
                topic = name
            } catch {
                return (UsageReply(error).render(context).plain, .usageError)
            }
        } else {
            topic = CommandSpec.named(first)?.name
        }
        let spec = topic.flatMap { CommandSpec.named($0.rawValue) }
        return (HelpReply(topic: spec, watcherEnabled: watcherEnabled).render(context).plain, .success)
    }

    private static func isHelpFlag(_ word: String) -> Bool {
        word == "--help" || word == "-h"
    }
}

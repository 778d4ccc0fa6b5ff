import FedBotCore
import FedBotModels
import Testing

/// Properties every declaration in `CommandSpec.all` has: the grammar, `help` and the error texts are
/// made from the declarations, so a new command gets these checks without a new test.
@Suite struct CommandSpecTests {
    let parser = CommandParser(prefix: "!fed")
    let context = RenderContext(prefix: "!fed", now: Timestamp(milliseconds: 1_795_519_500_000))

    /// The command's word and a value for each required positional.
    func minimalWords(_ spec: CommandSpec) -> [String] {
        [spec.name.rawValue]
            + spec.positionals.filter { !$0.isOptional }.map { positional in
                if positional.name != "SERVER" { Issue.record("\(spec.name): no sample for \(positional.name)") }
                return "example.org"
            }
    }

    func refusal(_ words: [String]) -> CommandError? {
        do {
            let action = try parser.parse(words: words)
            Issue.record("\(words) parsed as \(action)")
            return nil
        } catch {
            return error
        }
    }

    @Test func namesAreUniqueLowerCaseAndFoundInAnyCase() {
        let names = CommandSpec.all.map(\.name.rawValue)
        #expect(Set(names).count == names.count)
        for spec in CommandSpec.all {
            #expect(spec.name.rawValue == spec.name.rawValue.lowercased())
            #expect(CommandSpec.named(spec.name.rawValue.uppercased())?.name == spec.name)
        }
        #expect(CommandSpec.named("nope") == nil)
    }

    @Test(arguments: CommandSpec.all.map(\.name))
    func theMinimalCommandParsesToAnActionOfItsDeclaration(_ name: CommandName) throws {
        let spec = try #require(CommandSpec.named(name.rawValue))
        let action = try parser.parse(words: minimalWords(spec))
        #expect(action.name == spec.name)
        #expect(action.spec.name == spec.name)
        #expect(action.spec.failure(about: action.server).hasPrefix("Could not "))
    }

    @Test(arguments: CommandSpec.all.map(\.name))
    func requiredPositionalsAreAskedFor(_ name: CommandName) throws {
        let spec = try #require(CommandSpec.named(name.rawValue))
        guard let first = spec.positionals.first(where: { !$0.isOptional }) else { return }
        let error = try #require(refusal([spec.name.rawValue]))
        #expect(error.message == "\(first.name) is missing. Usage: `\(spec.usage(prefix: "!fed"))`")
        #expect(error.command == spec.name)
    }

    @Test(arguments: CommandSpec.all.map(\.name))
    func everyOptionIsInTheUsageAndItsValuesAreChecked(_ name: CommandName) throws {
        let spec = try #require(CommandSpec.named(name.rawValue))
        let words = minimalWords(spec)
        let usage = "Usage: `\(spec.usage(prefix: "!fed"))`"
        if spec.options.isEmpty {
            #expect(refusal(words + ["--verbose"])?.message == "\(spec.name) takes no options. \(usage)")
        }
        for option in spec.options {
            // `reset SERVER | --failing [GLOB]` spells its flag out as an alternative.
            #expect(spec.arguments.contains(option.usage) || spec.arguments.contains("| \(option.name)"))
            switch option.kind {
            case .flag:
                #expect(throws: Never.self) { try parser.parse(words: words + [option.name]) }
                #expect(
                    refusal(words + [option.name, option.name])?.message == "\(option.name) is given twice. \(usage)")
            case .number(let range):
                for value in [range.lowerBound, range.upperBound] {
                    #expect(throws: Never.self) { try parser.parse(words: words + [option.name, String(value)]) }
                }
                for value in [range.lowerBound - 1, range.upperBound + 1] {
                    #expect(
                        refusal(words + [option.name, String(value)])?.message
                            == "\(option.name) takes a number from \(range.lowerBound) to \(range.upperBound), got \"\(value)\". \(usage)"
                    )
                }
                #expect(refusal(words + [option.name])?.message == "\(option.name) needs a value. \(usage)")
            case .choice(let values):
                for value in values {
                    #expect(throws: Never.self) { try parser.parse(words: words + [option.name, value.uppercased()]) }
                }
                #expect(
                    refusal(words + [option.name, "bogus"])?.message
                        == "\(option.name) takes \(values.joined(separator: ", ")), got \"bogus\". \(usage)")
            }
        }
    }

    @Test(arguments: CommandSpec.all.map(\.name))
    func helpForEveryCommandShowsItsUsageAndFitsAPhoneScreen(_ name: CommandName) throws {
        let spec = try #require(CommandSpec.named(name.rawValue))
        let help = HelpReply(topic: spec).render(context)
        let lines = help.plain.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first.map(String.init) == spec.usage(prefix: "!fed"))
        #expect(lines.count == 2 + spec.details.count && lines.count <= 6)
        #expect(help.html.hasPrefix("<p><code>\(HTML.escape(spec.usage(prefix: "!fed")))</code></p>"))
        // `help COMMAND` parses for every command, whatever its case.
        #expect(try parser.parse(words: ["help", spec.name.rawValue.uppercased()]) == .help(topic: spec.name))
    }

    @Test func theOverviewListsEveryCommandThatWorksHere() {
        for watcherEnabled in [true, false] {
            let overview = HelpReply(topic: nil, watcherEnabled: watcherEnabled).render(context).plain
            for spec in CommandSpec.all where spec.name != .help {
                let line = "• !fed \(spec.name) — \(spec.summary)"
                #expect(overview.contains(line + "\n") == (watcherEnabled || !spec.needsWatcher), "\(line)")
            }
        }
        #expect(CommandSpec.available(watcherEnabled: true).map(\.name) == CommandSpec.all.map(\.name))
        #expect(
            CommandSpec.available(watcherEnabled: false).map(\.name) == [
                .help, .list, .show, .rooms, .reset, .status, .check,
            ])
    }
}

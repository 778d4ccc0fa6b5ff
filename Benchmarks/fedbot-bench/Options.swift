import FedBotLab
import Foundation

/// The phases `--only` selects.
enum Phase: String, CaseIterable, Sendable {
    case pure
    case admin
    case poll
    case latency
    case process
    case retention
    case check
    /// fedbot and the reference bot (scripts/refbot.py) side by side.
    case compare
    /// 10 admins × 10 commands within a second.
    case burst
}

struct BenchOptions: Sendable {
    var quick = false
    var phases = Set(Phase.allCases)
    var databases: [LabDatabase] = [.sqlite, .postgres]
    var fedbotBinary = Lab.repositoryRoot + "/.build/release/fedbot"
    var outputDirectory = Lab.repositoryRoot + "/.build/bench"

    static let usage = """
        usage: fedbot-bench [--quick] [--only PHASE[,PHASE…]] [--db sqlite|postgres|all] [--fedbot PATH] [--out DIR]

          --quick        smaller sizes and fewer runs (1k/10k destinations instead of up to 100k)
          --only         phases: \(Phase.allCases.map(\.rawValue).joined(separator: ", "))
          --db           which backends for homeserver A (default: all)
          --fedbot       the release fedbot binary (default: .build/release/fedbot)
          --out          where results.json and results.md go (default: .build/bench)

        Progress goes to stderr; the table to stdout.
        """

    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var options = BenchOptions()
        var index = 0
        func value(_ name: String) throws -> String {
            guard index + 1 < arguments.count else { throw BenchError("\(name) needs a value\n\n\(usage)") }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--quick":
                options.quick = true
            case "--only":
                var phases = Set<Phase>()
                for name in try value(argument).split(separator: ",") {
                    guard let phase = Phase(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                        throw BenchError("unknown phase \(name)\n\n\(usage)")
                    }
                    phases.insert(phase)
                }
                options.phases = phases
            case "--db":
                switch try value(argument) {
                case "sqlite": options.databases = [.sqlite]
                case "postgres", "pg": options.databases = [.postgres]
                case "all": options.databases = [.sqlite, .postgres]
                case let other: throw BenchError("--db must be sqlite, postgres or all, not \(other)")
                }
            case "--fedbot":
                options.fedbotBinary = try value(argument)
            case "--out":
                options.outputDirectory = try value(argument)
            case "-h", "--help":
                throw BenchError(usage)
            default:
                throw BenchError("unknown option \(argument)\n\n\(usage)")
            }
            index += 1
        }
        return options
    }

    /// Destination counts the poll phase measures at (synthetic rows; A also has B's real row).
    var pollSizes: [Int] { quick ? [1_000, 10_000] : [1_000, 10_000, 100_000] }
    /// Sizes where the bot answers `!fed list` in the latency phase.
    var listSizes: [Int] { quick ? [10_000] : [10_000, 100_000] }
    var needsLab: Bool { !phases.subtracting([.pure, .retention, .check]).isEmpty }
}

import FedBotModels

extension CommandName {
    public static let check: CommandName = "check"
}

extension CommandSpec {
    /// `check SERVER`
    public static let check = CommandSpec(
        name: .check, positionals: [.required("SERVER")], summary: "why federation with a server fails",
        details: [
            "From my host: server discovery (well-known, SRV, A/AAAA), TCP, TLS certificate, /version, signing keys and the support contact.",
            "🟢 works, 🟡 works with a warning, 🔴 fails. A repeat within a minute is answered from a cache.",
        ], failure: "Could not check"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .check(try arguments.server())
    }
}

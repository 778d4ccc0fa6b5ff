import FedBotModels

extension CommandName {
    public static let check: CommandName = "check"
}

extension CommandSpec {
    /// `check SERVER`
    public static let check = CommandSpec(
        name: .check, positionals: [.required("SERVER")], summary: "diagnose federation with a server from my host",
        details: [
            "From my host: server discovery (well-known, SRV, A/AAAA), TCP, TLS certificate, /version, signing keys and the support contact.",
            "🟢 works, 🟡 works with a warning, 🔴 fails. A repeat within a minute is answered from a cache.",
        ], failure: "Could not check"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .check(try arguments.server())
    }
}

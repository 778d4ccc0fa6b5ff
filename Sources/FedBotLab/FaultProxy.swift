import Foundation
import MatrixClient

/// A loopback proxy in front of a homeserver that injects faults (`scripts/lab proxy`, docs/LAB.md).
///
/// ```swift
/// let proxy = try await FaultProxy.start(upstream: lab.info.a.clientURL, directory: lab.directory)
/// // the bot's homeserver.url: proxy.url
/// try await proxy.set(.status(502), method: "PUT", path: "/send/", count: 3)
/// try await proxy.clear()
/// await proxy.stop()
/// ```
///
/// The proxy is this process's child and stops by itself when this process exits.
public final class FaultProxy: Sendable {
    public let info: LabFaultProxyInfo
    private let command: LabCommand
    private let transport = AsyncHTTPClientTransport()

    private init(info: LabFaultProxyInfo, command: LabCommand) {
        self.info = info
        self.command = command
    }

    /// The proxy's base URL (what the bot's `homeserver.url` points at).
    public var url: String { info.url }

    /// Starts a proxy forwarding to `upstream`; its log goes to `directory/proxy-PORT.log`.
    public static func start(upstream: String, directory: String) async throws -> FaultProxy {
        try await Lab.ensureInstalled()
        let pid = ProcessInfo.processInfo.processIdentifier
        let command = try Lab.launch([
            "proxy", "--dir", directory, "--upstream", upstream, "--watch-pid", String(pid),
        ])
        // The JSON is printed, then stdout/stderr close while the proxy keeps running.
        let closed = await command.wait(timeout: .seconds(30)) { $0.outputClosed }
        do {
            if !closed { throw LabError.commandFailed(command: "proxy", status: -1, message: "no output", stderr: "") }
            return FaultProxy(
                info: try Lab.decode(LabFaultProxyInfo.self, from: command, name: "proxy"), command: command)
        } catch {
            command.terminate()
            _ = await command.waitForExit(timeout: .seconds(10))
            throw error
        }
    }

    /// Injects `fault` into requests whose method is `method` ("" = any) and whose target (query included) matches
    /// the regex `path`, for the next `count` of them (nil: until `clear`). Rules apply in the order they were set.
    public func set(_ fault: LabFault, method: String = "", path: String, count: Int? = nil) async throws {
        var body = fault.rule
        body["method"] = method
        body["path"] = path
        if let count { body["count"] = count }
        _ = try await control(.post, "set", body: JSONSerialization.data(withJSONObject: body))
    }

    /// Removes every rule: requests are forwarded unchanged again; stalled ones are closed unanswered.
    public func clear() async throws {
        _ = try await control(.post, "clear", body: Data("{}".utf8))
    }

    /// What the proxy has seen.
    public func stats() async throws -> LabFaultProxyStats {
        try Lab.decode(LabFaultProxyStats.self, from: try await control(.get, "stats", body: nil), name: "proxy stats")
    }

    /// SIGTERM, and waits (bounded) for it to exit.
    public func stop() async {
        command.terminate()
        _ = await command.waitForExit(timeout: .seconds(10))
    }

    private func control(_ method: HTTPRequest.Method, _ name: String, body: Data?) async throws -> Data {
        let response = try await transport.perform(
            HTTPRequest(method: method, url: "\(info.controlURL)/\(name)", body: body, timeout: .seconds(10)))
        guard response.status == 200 else {
            throw LabError.commandFailed(
                command: "proxy \(name)", status: Int32(response.status),
                message: String(decoding: response.body, as: UTF8.self), stderr: "")
        }
        return response.body
    }
}

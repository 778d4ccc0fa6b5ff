import FedBotModels
import MatrixClient

/// A `host:port` to listen on, as in `metrics.listen`: `127.0.0.1:9464`, `[::1]:9464`,
/// `0.0.0.0:9464`, `localhost:9464`. The port is required.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host to bind, IPv6 literals without brackets (`::1`), ready for a socket API.
    public let host: String
    /// 1…65535.
    public let port: Int

    /// Parses `host:port`; nil without a port or with an invalid host or port.
    public init?(_ text: String) {
        guard let name = ServerName(text), let port = name.port else { return nil }
        var host = name.host
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        self.host = host
        self.port = port
    }

    /// A listen address from its parts; `host` is an IPv6 literal without brackets, or a name.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

public import FedBotModels

/// A client-server API failure as a person reads it: what failed and how to fix it.
public enum MatrixErrorText {
    public static func describe(_ error: MatrixError) -> String {
        switch error.kind {
        case .connectionRefused: "connection refused: is the homeserver running and homeserver.url right?"
        case .timeout: "no answer in time"
        case .http where error.isAuthenticationFailure:
            "the access token is not valid (\(error.errcode ?? "401")): get a new one with `fedbot login`"
        default: error.description
        }
    }
}

public import FedBotModels
import Foundation

extension Timestamp {
    /// The wall clock now.
    public static func now() -> Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}

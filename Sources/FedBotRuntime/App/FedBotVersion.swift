/// The version `fedbot --version` prints.
public enum FedBotVersion {
    public static let current = "0.1.0"
}

import Foundation

extension ConfigBuilder {
    /// The outcome of looking for one token.
    enum TokenLookup {
        case found(Secret, TokenSource)
        /// Not configured anywhere: the caller decides whether that is a problem.
        case absent
        /// Configured, but unusable; the problem is already recorded.
        case failed
    }

    /// `<section>.access_token` / `<section>.access_token_file` / env `variable`, in the precedence
    /// documented on `ConfigLoader`.
    mutating func token(section: String, variable: String) -> TokenLookup {
        let keyPath = "\(section).access_token"
        let filePath = "\(section).access_token_file"
        let inline = document.string(keyPath)
        let file = document.string(filePath, expected: "a file path")
        let both = document.isSet(keyPath) && document.isSet(filePath)
        if both {
            document.addProblem("\(filePath): set either \(keyPath) or \(filePath), not both")
        }
        if let value = environment[variable] {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                addWarning("\(variable) is set but empty; ignored")
            } else if trimmed.contains(where: \.isWhitespace) {
                document.addProblem("\(variable): must be a single token without spaces or line breaks")
                return .failed
            } else {
                return .found(Secret(trimmed), .environment(variable: variable))
            }
        }
        if both { return .failed }
        if let inline {
            return inlineToken(inline, keyPath: keyPath, variable: variable)
        }
        if let file {
            return fileToken(file, filePath: filePath)
        }
        return document.isSet(keyPath) || document.isSet(filePath) ? .failed : .absent
    }

    private mutating func inlineToken(_ value: String, keyPath: String, variable: String) -> TokenLookup {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            document.addProblem("\(keyPath): is empty: set the token here, in \(keyPath)_file or in \(variable)")
            return .failed
        }
        if trimmed.contains(where: \.isWhitespace) {
            document.addProblem("\(keyPath): must be a single token without spaces or line breaks")
            return .failed
        }
        if let mode = ConfigFiles.readableByOthers(sourcePath) {
            addWarning(
                "\(keyPath): the token is written in \(sourcePath), which other users can read (mode \(mode)); "
                    + "run chmod 600 \(sourcePath), or use \(keyPath)_file or \(variable)")
        }
        return .found(Secret(trimmed), .configKey(keyPath))
    }

    private mutating func fileToken(_ file: String, filePath: String) -> TokenLookup {
        if file.isEmpty {
            document.addProblem("\(filePath): expected a file path, got \"\"")
            return .failed
        }
        let path = ConfigFiles.absolutePath(file, relativeTo: baseDirectory)
        let text: String
        switch ConfigFiles.read(path) {
        case .success(let contents):
            text = contents
        case .failure(let failure):
            document.addProblem("\(filePath): cannot read \(path): \(failure)")
            return .failed
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            document.addProblem("\(filePath): \(path) is empty")
            return .failed
        }
        if trimmed.contains(where: \.isWhitespace) {
            document.addProblem(
                "\(filePath): \(path) holds more than one word or line; it must contain just the token")
            return .failed
        }
        // systemd credentials (LoadCredential=) are shared with the service through an ACL, which shows
        // as group-read in the mode bits: not a leak.
        let credentials = environment["CREDENTIALS_DIRECTORY"].map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        let isCredential = path.hasPrefix("/run/credentials/") || credentials.map { path.hasPrefix($0) } == true
        if !isCredential, let mode = ConfigFiles.readableByOthers(path) {
            addWarning("\(filePath): \(path) can be read by other users (mode \(mode)); run chmod 600 \(path)")
        }
        return .found(Secret(trimmed), .file(key: filePath, path: path))
    }
}

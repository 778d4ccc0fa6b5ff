import Foundation

/// File-system helpers for config loading: path resolution, reading text, permission bits.
enum ConfigFiles {
    /// Why a file could not be read; `description` completes "cannot read /x: …".
    enum Failure: Error, Equatable, CustomStringConvertible {
        case missing, directory, unreadable, notText, tooLarge

        var description: String {
            switch self {
            case .missing: "no such file"
            case .directory: "it is a directory"
            case .unreadable: "permission denied"
            case .notText: "it is not UTF-8 text"
            case .tooLarge: "it is larger than 1 MiB"
            }
        }
    }

    /// `path` if absolute, else `directory/path`; `.` components and repeated slashes are dropped,
    /// `..` is kept for the file system to resolve (it may cross a symlink).
    static func absolutePath(_ path: String, relativeTo directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        let components = joined.split(separator: "/").filter { $0 != "." }
        return "/" + components.joined(separator: "/")
    }

    /// The file's contents as UTF-8 text (at most 1 MiB).
    static func read(_ path: String) -> Result<String, Failure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .failure(.missing) }
        if isDirectory.boolValue { return .failure(.directory) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(.unreadable) }
        defer { try? handle.close() }
        let limit = 1 << 20
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            return .failure(.unreadable)
        }
        if data.count > limit { return .failure(.tooLarge) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.notText) }
        return .success(text)
    }

    /// The permission bits (`0o644`), or nil when the file cannot be inspected.
    static func permissions(_ path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        if let number = attributes[.posixPermissions] as? NSNumber { return number.intValue & 0o7777 }
        return (attributes[.posixPermissions] as? Int).map { $0 & 0o7777 }
    }

    /// The permission bits when group or others may read the file, e.g. `0644`; nil otherwise.
    static func readableByOthers(_ path: String) -> String? {
        guard let mode = permissions(path), mode & 0o044 != 0 else { return nil }
        let octal = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }
}

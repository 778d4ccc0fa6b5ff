/// A DNS query and the parts of an answer the check needs (A, AAAA, SRV, CNAME), RFC 1035 wire format.
struct DNSMessage: Sendable, Equatable {
    enum RecordType: UInt16, Sendable {
        case a = 1
        case cname = 5
        case aaaa = 28
        case srv = 33
    }

    enum Answer: Sendable, Equatable {
        case address([UInt8])
        case cname(String)
        case srv(priority: Int, weight: Int, port: Int, target: String)
    }

    struct Record: Sendable, Equatable {
        var name: String
        var answer: Answer
    }

    var id: UInt16
    /// 0 no error, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
    var rcode: Int
    var truncated: Bool
    var records: [Record]

    /// A recursive query for one name and type.
    static func query(id: UInt16, name: String, type: RecordType) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        return bytes
    }

    enum ParseError: Error { case malformed }

    init(parsing bytes: [UInt8]) throws(ParseError) {
        var reader = Reader(bytes: bytes)
        id = try reader.u16()
        let flags = try reader.u16()
        truncated = flags & 0x0200 != 0
        rcode = Int(flags & 0x000F)
        let questions = try reader.u16()
        let answers = try reader.u16()
        _ = try reader.u16()
        _ = try reader.u16()
        for _ in 0..<questions {
            _ = try reader.name()
            _ = try reader.u16()
            _ = try reader.u16()
        }
        var records: [Record] = []
        for _ in 0..<answers {
            let name = try reader.name()
            let type = try reader.u16()
            _ = try reader.u16()
            _ = try reader.u32()
            let length = Int(try reader.u16())
            let end = reader.index + length
            guard end <= bytes.count else { throw .malformed }
            switch RecordType(rawValue: type) {
            case .a where length == 4, .aaaa where length == 16:
                records.append(Record(name: name, answer: .address(Array(bytes[reader.index..<end]))))
            case .cname:
                records.append(Record(name: name, answer: .cname(try reader.name())))
            case .srv:
                let priority = Int(try reader.u16())
                let weight = Int(try reader.u16())
                let port = Int(try reader.u16())
                let target = try reader.name()
                records.append(
                    Record(name: name, answer: .srv(priority: priority, weight: weight, port: port, target: target)))
            default:
                break
            }
            reader.index = end
        }
        self.records = records
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func u8() throws(ParseError) -> UInt8 {
            guard index < bytes.count else { throw .malformed }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func u16() throws(ParseError) -> UInt16 {
            UInt16(try u8()) << 8 | UInt16(try u8())
        }

        mutating func u32() throws(ParseError) -> UInt32 {
            UInt32(try u16()) << 16 | UInt32(try u16())
        }

        /// A possibly compressed name; at most 20 pointer jumps.
        mutating func name() throws(ParseError) -> String {
            var labels: [String] = []
            var position = index
            var jumped = false
            var jumps = 0
            while true {
                guard position < bytes.count else { throw .malformed }
                let length = Int(bytes[position])
                if length == 0 {
                    position += 1
                    break
                }
                if length & 0xC0 == 0xC0 {
                    guard position + 1 < bytes.count, jumps < 20 else { throw .malformed }
                    let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                    if !jumped { index = position + 2 }
                    jumped = true
                    jumps += 1
                    position = target
                    continue
                }
                guard position + 1 + length <= bytes.count else { throw .malformed }
                labels.append(String(decoding: bytes[(position + 1)..<(position + 1 + length)], as: UTF8.self))
                position += 1 + length
            }
            if !jumped { index = position }
            return labels.isEmpty ? "." : labels.joined(separator: ".")
        }
    }
}

public import FedBotModels

/// Times as replies show them: UTC, absolute and relative, without locale or time zone surprises.
public enum TimeText {
    /// `2026-11-24 09:12 UTC`.
    public static func absolute(_ time: Timestamp) -> String {
        let (date, clock) = civil(time)
        return "\(date) \(clock) UTC"
    }

    /// `09:12 UTC` when `time` is within 20 hours of `now`, else `2026-11-22 09:12 UTC`.
    public static func short(_ time: Timestamp, now: Timestamp) -> String {
        let distance = now - time
        if distance > .seconds(-20 * 3600) && distance < .seconds(20 * 3600) {
            return "\(civil(time).clock) UTC"
        }
        return absolute(time)
    }

    /// `2h 13m ago`, `in 4m`, or `just now`.
    public static func relative(_ time: Timestamp, now: Timestamp) -> String {
        let delta = now - time
        if delta >= .zero {
            return delta < .seconds(1) ? "just now" : "\(DurationText.format(delta)) ago"
        }
        let ahead = Duration.zero - delta
        return ahead < .seconds(1) ? "now" : "in \(DurationText.format(ahead))"
    }

    /// `2026-11-24` and `09:12` for a timestamp (proleptic Gregorian, UTC).
    static func civil(_ time: Timestamp) -> (date: String, clock: String) {
        // Floor division without `milliseconds - 999`, which overflows near Int64.min (a server's number).
        let (quotient, remainder) = time.milliseconds.quotientAndRemainder(dividingBy: 1000)
        let seconds = remainder < 0 ? quotient - 1 : quotient
        var days = seconds / 86400
        var secondOfDay = seconds % 86400
        if secondOfDay < 0 {
            secondOfDay += 86400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let hour = secondOfDay / 3600
        let minute = (secondOfDay % 3600) / 60
        return ("\(year)-\(pad(month))-\(pad(day))", "\(pad(hour)):\(pad(minute))")
    }

    private static func pad(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

/// Counts with thousands separators: `1,997`.
public enum CountText {
    public static func format(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// `1 room`, `3 rooms`.
    public static func plural(_ value: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(format(value)) \(value == 1 ? singular : plural ?? singular + "s")"
    }
}

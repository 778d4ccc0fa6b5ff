public import FedBotModels

/// The watcher's decisions, without I/O: from the stored state, what a poll saw and the time, to the new
/// state and the notices to post. The caller stores both in one transaction.
public enum WatcherMachine {
    /// One poll. `mutes` maps servers to the end of their mute; `silences` are the acknowledgements and
    /// mutes that last until an incident ends.
    public static func step(
        _ state: WatcherState, _ observation: PollObservation, policy: WatcherPolicy, mutes: [String: Timestamp] = [:],
        silences: IncidentSilences = IncidentSilences()
    ) -> (WatcherState, [NoticeAction]) {
        var machine = Step(state: state, observation: observation, policy: policy, mutes: mutes)
        machine.silences = silences
        machine.run()
        return (machine.state, machine.actions)
    }
}

struct Step {
    var state: WatcherState
    let observation: PollObservation
    let policy: WatcherPolicy
    let mutes: [String: Timestamp]
    var actions: [NoticeAction] = []
    var silences = IncidentSilences()
    let now: Timestamp

    init(state: WatcherState, observation: PollObservation, policy: WatcherPolicy, mutes: [String: Timestamp]) {
        self.now = observation.now
        self.state = state
        self.observation = observation
        self.policy = policy
        self.mutes = mutes
    }

    func isMuted(_ server: String) -> Bool {
        guard let until = mutes[server] else { return false }
        return until > now
    }

    /// Failing destinations that may ever be announced, by name.
    var failing: [String: Destination] {
        var map: [String: Destination] = [:]
        for row in observation.failing where row.failureTs != nil && !policy.ignores(row.destination) {
            map[row.destination] = row
        }
        return map
    }

    mutating func run() {
        let failing = self.failing
        if !state.baselineTaken {
            takeBaseline(failing)
        } else {
            dropIgnored()
            let probeEnded = settleProbes(failing)
            recover(failing, probeEnded: probeEnded)
            open(failing)
            openProbed(failing)
            announce()
            remind()
        }
        forgetUnreferencedNotices()
        state.lastPoll = now
    }

    mutating func newKey(_ kind: NoticeRecord.Kind) -> String {
        "\(kind.rawValue)-\(nextNumber())"
    }

    /// A number never handed out before, for keys, edit revisions and reply keys: the clock cannot tell
    /// polls apart (two in the same millisecond, or the clock stepping back).
    mutating func nextNumber() -> Int {
        defer { state.nextNoticeNumber += 1 }
        return state.nextNoticeNumber
    }

    /// When it started failing: Synapse's `failure_ts`, but never after this poll (Synapse's clock may be ahead).
    func since(_ row: Destination) -> Timestamp {
        Timestamp(milliseconds: min(row.failureTs ?? now.milliseconds, now.milliseconds))
    }

    /// Notices that no open incident refers to any more can never be edited again.
    mutating func forgetUnreferencedNotices() {
        let referenced = Set(state.incidents.values.compactMap(\.noticeKey))
        for key in state.notices.keys.sorted() where !referenced.contains(key) {
            state.notices[key] = nil
            state.close(key, at: now)
        }
    }

    /// First poll: destinations already failing become incidents, summarised in one notice.
    mutating func takeBaseline(_ failing: [String: Destination]) {
        state.baselineTaken = true
        for (name, row) in failing {
            state.incidents[name] = Incident(
                server: name, since: since(row), detectedAt: now, sharedRooms: observation.sharedRooms[name],
                lastDelivery: row.lastSuccessfulStreamOrdering)
        }
        let announced = state.incidents.values.filter { !isMuted($0.server) }
        guard !announced.isEmpty else { return }
        post(.baseline, announced)
    }

    /// Incidents for servers that were added to `notices.ignore` end without a word.
    mutating func dropIgnored() {
        for name in state.incidents.keys where policy.ignores(name) {
            state.incidents[name] = nil
        }
    }

    /// Open incidents that recovered: edit their notices, reply in the thread.
    ///
    /// An incident ends when deliveries resumed (its row, failing or not, shows a higher stream ordering:
    /// failing again later is a new outage), when Synapse no longer knows the destination, or when its
    /// failure stayed cleared for `recoveryConfirmation` (see there: a reset is undone by a hung request).
    mutating func recover(_ failing: [String: Destination], probeEnded: Set<String> = []) {
        var touched: [String: [Incident]] = [:]
        for (name, incident) in state.incidents {
            if probeEnded.contains(name) {
                // Probes answer and Synapse records no failure: both agree (see `settleProbes`).
            } else if incident.probe != nil || incident.stuck != nil {
                continue
            } else if let row = failing[name] {
                // Failing, but with a later failure after deliveries resumed: that outage ended meanwhile.
                guard let failureTs = row.failureTs, failureTs > incident.since.milliseconds,
                    incident.lastDelivery != nil, delivered(since: incident, row)
                else { continue }
            } else if let row = observation.cleared[name], !delivered(since: incident, row) {
                let clearedAt = incident.clearedAt ?? now
                guard now - clearedAt >= policy.recoveryConfirmation else {
                    state.incidents[name]?.clearedAt = clearedAt
                    continue
                }
            }
            state.incidents[name] = nil
            guard let key = incident.noticeKey, state.notices[key] != nil else { continue }
            // Recovered when Synapse first showed it cleared, if a poll saw that.
            state.notices[key]?.recovered[name] = incident.clearedAt ?? now
            touched[key, default: []].append(incident)
        }
        for key in touched.keys.sorted() {
            guard let record = state.notices[key] else { continue }
            actions.append(.edit(key: key, revision: "\(nextNumber())", reply: NoticeText.edited(record, now: now)))
            // A mute until recovery still lets the recovery be announced: that is how it ends.
            for incident in touched[key, default: []].sorted(by: { $0.server < $1.server })
            where !isMuted(incident.server) || silences.untilRecovered.contains(incident.server) {
                actions.append(
                    .threadReply(
                        key: key, replyKey: "\(key).recovered.\(incident.server).\(nextNumber())",
                        reply: incident.stuck == nil
                            ? NoticeText.recovered(
                                incident.server, since: incident.since, now: incident.clearedAt ?? now)
                            : NoticeText.delivered(incident.server, since: incident.since, now: now)))
            }
            if record.isResolved {
                state.notices[key] = nil
                state.close(key, at: record.recovered.values.max() ?? now)
            }
        }
    }

    /// Whether deliveries to the destination resumed since the incident opened.
    func delivered(since incident: Incident, _ row: Destination) -> Bool {
        guard let after = row.lastSuccessfulStreamOrdering else { return false }
        guard let before = incident.lastDelivery else { return true }
        return after > before
    }

    /// New failing destinations become incidents (announced below once old enough); open ones that fail
    /// again are no longer waiting for a recovery to be confirmed.
    mutating func open(_ failing: [String: Destination]) {
        for (name, row) in failing {
            guard var incident = state.incidents[name] else {
                state.incidents[name] = Incident(
                    server: name, since: since(row), detectedAt: now, sharedRooms: observation.sharedRooms[name],
                    lastDelivery: row.lastSuccessfulStreamOrdering)
                continue
            }
            if let rooms = observation.sharedRooms[name] { incident.sharedRooms = rooms }
            incident.clearedAt = nil
            if incident.lastDelivery == nil { incident.lastDelivery = row.lastSuccessfulStreamOrdering }
            state.incidents[name] = incident
        }
    }

    /// Unannounced incidents old enough and not muted: one notice for all of them.
    mutating func announce() {
        let due = state.incidents.values.filter { incident in
            incident.noticeKey == nil && incident.clearedAt == nil && !isMuted(incident.server)
                && incident.probe == nil && incident.stuck == nil
                && max(.zero, now - incident.since) >= policy.minFailing
        }
        guard !due.isEmpty else { return }
        // Only failing destinations that were themselves active count against the active ones.
        let activeDue =
            observation.activeFailing.map { active in due.count { active.contains($0.server) } } ?? due.count
        let kind: NoticeRecord.Kind
        if let active = observation.activeDestinations, active > 0, activeDue >= policy.outageMinimum,
            Double(activeDue) / Double(active) >= policy.outageShare
        {
            kind = .outage
        } else {
            kind = due.count == 1 ? .failure : .group
        }
        post(kind, due, activeFailing: activeDue)
    }

    mutating func post(_ kind: NoticeRecord.Kind, _ incidents: [Incident], activeFailing: Int? = nil) {
        let key = newKey(kind)
        var record = NoticeRecord(key: key, kind: kind, postedAt: now, servers: [:])
        for incident in incidents {
            record.servers[incident.server] = incident.since
            if let rooms = incident.sharedRooms { record.sharedRooms[incident.server] = rooms }
            state.incidents[incident.server]?.noticeKey = key
            state.incidents[incident.server]?.lastNoticeAt = now
        }
        if kind == .outage {
            record.activeDestinations = observation.activeDestinations
            if observation.activeFailing != nil { record.activeFailing = activeFailing }
        }
        state.notices[key] = record
        actions.append(.post(key: key, reply: NoticeText.posted(record, now: now, policy: policy)))
    }

    /// Incidents still open `remind_every` after their last notice: one reminder per notice, in its thread.
    mutating func remind() {
        guard policy.remindEvery > .zero else { return }
        var due: [String: [Incident]] = [:]
        for incident in state.incidents.values {
            guard let key = incident.noticeKey, let last = incident.lastNoticeAt, incident.clearedAt == nil,
                !isMuted(incident.server), !silences.acknowledged.contains(incident.server),
                now - last >= policy.remindEvery
            else { continue }
            due[key, default: []].append(incident)
        }
        for key in due.keys.sorted() {
            let incidents = due[key, default: []].sorted {
                $0.since != $1.since ? $0.since < $1.since : $0.server < $1.server
            }
            actions.append(
                .threadReply(
                    key: key, replyKey: "\(key).remind.\(nextNumber())",
                    reply: NoticeText.reminder(incidents, now: now, policy: policy)))
            for incident in incidents { state.incidents[incident.server]?.lastNoticeAt = now }
        }
    }
}

/// Acknowledgements and mutes that last until an incident ends (`ack`, `mute … until-recovered`, 👀, 🔇).
public struct IncidentSilences: Sendable, Equatable {
    /// Servers whose open incident was acknowledged: no reminders.
    public var acknowledged: Set<String>
    /// Servers muted until they recover: no reminders, but the recovery is announced.
    public var untilRecovered: Set<String>

    public init(acknowledged: Set<String> = [], untilRecovered: Set<String> = []) {
        self.acknowledged = acknowledged
        self.untilRecovered = untilRecovered
    }
}

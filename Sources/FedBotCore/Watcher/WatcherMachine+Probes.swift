import FedBotModels

extension WatcherMachine {
    /// Most auto-resets one poll asks for: after an outage of this homeserver every destination comes back
    /// at once, and the rest wait for the next poll.
    public static let autoResetsPerPoll = 5

    /// The servers whose backoff a step decided to reset (`probes.auto_reset`): their incident's
    /// `autoResetAt` was set by the step from `before` to `after`. The caller resets them after storing `after`.
    public static func autoResets(before: WatcherState, after: WatcherState) -> [String] {
        after.incidents.values.filter { incident in
            incident.autoResetAt != nil && before.incidents[incident.server]?.autoResetAt == nil
        }.map(\.server).sorted()
    }
}

/// Probe and stuck-delivery incidents. A probe incident opens when a server fails `probes.failures` probes in
/// a row while Synapse records nothing; Synapse's failure later joins it (the notice is edited, no new one);
/// it ends when probes answer and Synapse records no failure. A stuck incident opens when events wait on a
/// destination Synapse calls healthy, and ends when they no longer wait.
extension Step {
    /// Before `recover`: drops the probe side of incidents whose probes no longer fail, resets Synapse's
    /// backoff for those that answer again, and returns the incidents that end (nothing fails any more).
    mutating func settleProbes(_ failing: [String: Destination]) -> Set<String> {
        guard let probes = observation.probes else { return [] }
        var ended: Set<String> = []
        var resets = 0
        for name in state.incidents.keys.sorted() {
            guard var incident = state.incidents[name] else { continue }
            if let stuck = incident.stuck {
                if observation.unanswered.contains(name) {
                    // Synapse's side unknown this poll: the stuck delivery stays as it was.
                } else if failing[name] != nil {
                    incident.stuck = nil  // Synapse records a failure now: a failure incident from here on.
                } else if let now = probes.stuck[name] {
                    incident.stuck = StuckDelivery(rooms: now.rooms, since: stuck.since)
                } else {
                    ended.insert(name)
                }
            }
            if let failure = probes.failing[name] {
                incident.probe = ProbeFailure(since: incident.probe?.since ?? failure.since, result: failure.result)
            } else if incident.probe != nil, !observation.unanswered.contains(name) {
                // (Synapse's side unknown this poll: the probe side stays until a poll can tell both agree.)
                incident.probe = nil
                if failing[name] == nil { ended.insert(name) }
            }
            // Back: a probe answered after Synapse's last failed attempt (an answer from before the outage
            // says nothing).
            let back =
                if let answered = probes.answeredAt[name], let row = failing[name],
                    !observation.unanswered.contains(name)
                {
                    answered.milliseconds > max(row.failureTs ?? 0, row.retryLastTs)
                } else { false }
            if probes.autoReset, back, incident.autoResetAt == nil, resets < WatcherMachine.autoResetsPerPoll {
                resets += 1
                incident.autoResetAt = now
                if let key = incident.noticeKey, state.notices[key] != nil, !isMuted(name) {
                    actions.append(
                        .threadReply(
                            key: key, replyKey: "\(key).reset.\(name).\(nextNumber())",
                            reply: NoticeText.autoReset(name, policy: policy)))
                }
            }
            state.incidents[name] = incident
        }
        return ended
    }

    /// After `open`: new probe and stuck incidents, announced at once (the probes' threshold was the wait),
    /// and Synapse's failure joining a probe notice.
    mutating func openProbed(_ all: [String: Destination]) {
        guard let probes = observation.probes else { return }
        // Only rows Synapse returned: an unanswered re-check is no failure recorded by Synapse.
        let failing = all.filter { !observation.unanswered.contains($0.key) }
        for (name, failure) in probes.failing where !policy.ignores(name) && state.incidents[name] == nil {
            state.incidents[name] = Incident(
                server: name, since: failure.since, detectedAt: now, sharedRooms: observation.sharedRooms[name],
                probe: failure)
        }
        for (name, stuck) in probes.stuck
        where !policy.ignores(name) && state.incidents[name] == nil && failing[name] == nil {
            state.incidents[name] = Incident(
                server: name, since: stuck.since, detectedAt: now, sharedRooms: stuck.rooms, stuck: stuck)
        }
        for name in state.incidents.keys.sorted() {
            guard let incident = state.incidents[name], !isMuted(name) else { continue }
            if incident.noticeKey == nil, incident.probe != nil || incident.stuck != nil {
                postProbed(incident, synapseSince: failing[name].map(since))
            } else if let key = incident.noticeKey, var record = state.notices[key], record.kind == .probe,
                record.synapseSince == nil, let row = failing[name]
            {
                record.synapseSince = since(row)
                state.notices[key] = record
                actions.append(
                    .edit(
                        key: key, revision: "\(nextNumber())",
                        reply: NoticeText.posted(record, now: now, policy: policy)
                    ))
            }
        }
    }

    mutating func postProbed(_ incident: Incident, synapseSince: Timestamp?) {
        let kind: NoticeRecord.Kind = incident.probe != nil ? .probe : .stuck
        let key = newKey(kind)
        var record = NoticeRecord(key: key, kind: kind, postedAt: now, servers: [incident.server: incident.since])
        if let rooms = incident.sharedRooms { record.sharedRooms[incident.server] = rooms }
        record.probe = incident.probe
        record.stuck = incident.stuck
        record.synapseSince = synapseSince
        state.incidents[incident.server]?.noticeKey = key
        state.incidents[incident.server]?.lastNoticeAt = now
        state.notices[key] = record
        actions.append(.post(key: key, reply: NoticeText.posted(record, now: now, policy: policy)))
    }
}

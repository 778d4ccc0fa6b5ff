import FedBotModels

// Tests write IDs as text; an invalid one is a bug in the test and stops it at once.

func roomID(_ text: String) -> RoomID {
    guard let id = RoomID(text) else { preconditionFailure("not a room ID: \(text)") }
    return id
}

func eventID(_ text: String) -> EventID {
    guard let id = EventID(text) else { preconditionFailure("not an event ID: \(text)") }
    return id
}

func userID(_ text: String) -> UserID {
    guard let id = UserID(text) else { preconditionFailure("not a user ID: \(text)") }
    return id
}

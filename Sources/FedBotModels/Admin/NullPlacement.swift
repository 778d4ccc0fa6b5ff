/// Where the database behind Synapse sorts NULLs. Synapse orders with a plain `ORDER BY col ASC|DESC`:
/// SQLite puts NULL lowest, PostgreSQL highest. A never-failed destination has `failure_ts` NULL, so
/// the direction that lists failing rows first differs between the two.
public enum NullPlacement: Sendable, Equatable {
    /// NULL sorts below every value (SQLite): `dir=b` lists failing rows first.
    case low
    /// NULL sorts above every value (PostgreSQL): `dir=f` lists failing rows first.
    case high
}

"""fedbot's Synapse test lab: two federating homeservers on loopback.

Run it through `scripts/lab`, which makes sure the Synapse venv exists and runs
this package (`python -m fedbotlab`) with the venv's python (it imports
Synapse's own helpers: yaml, signedjson, cryptography, psycopg2).

Every subcommand prints exactly one JSON object on stdout; human logs go to
stderr and to files in the lab directory.  See docs/LAB.md.

Process model: each lab has one *supervisor* process.  It is the parent of
Synapse A, Synapse B and (with --db postgres) A's PostgreSQL server, so it can
reap them (PID 1 on these machines does not reap orphans), it tears the lab down
when the --watch-pid process exits, and it answers control requests (spawn,
stop, signal, shutdown) on an abstract unix socket named after the lab
directory.  `up` forks it as a daemon, or with --foreground becomes it after
printing the JSON (the caller then owns and reaps it: that is what the Swift
helper does).
"""

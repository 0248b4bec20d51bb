"""Run history: each run of a connection, its trigger, counts, duration and records."""

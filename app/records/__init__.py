"""The records the job system sends us: upsert services, totals and sendable snapshots.

No Flask request code here: the inbound API (app/api) validates the shape of a request and
calls these services; they check the request against the company's books and write it.
"""

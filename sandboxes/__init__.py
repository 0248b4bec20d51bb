"""Local simulators of the accounting packages: the tests' oracle and a new user's first-run demo.

One folder per package (what is particular to it) and kit/ (what they share). Nothing in
connectors/ imports from here; the app mounts them only in sandbox mode.
"""

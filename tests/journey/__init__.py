"""The bookkeeper's whole journey through Ledgerlink in one real browser."""

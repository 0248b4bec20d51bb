"""The agent API (/agent/v1) that the Ledgerlink agent on a desktop package's computer calls,
and the wizard's step that gives it its token: thin layers over the pull-mode hand-out."""

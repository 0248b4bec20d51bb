"""Settings pages: users and roles, notifications."""

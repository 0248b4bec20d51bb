"""Company settings for admins: users and roles, and who gets the failure digest."""

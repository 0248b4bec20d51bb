"""What every package simulator shares."""

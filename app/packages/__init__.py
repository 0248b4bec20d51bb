"""What several pages say about a connected accounting package."""

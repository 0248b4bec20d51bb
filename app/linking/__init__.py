"""The Linking page: our customers and suppliers beside likely twins already in the package."""

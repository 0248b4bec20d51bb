"""What every package simulator shares (see README.md); the app mounts `bp` before them."""

from sandboxes.kit.blueprint import bp

__all__ = ["bp"]

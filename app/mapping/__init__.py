"""Nominal and tax mapping: our chart beside the package's own codes."""

"""Capability analysis: requirement rules, the catalog, profiles, notes."""

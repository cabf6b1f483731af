"""Nightly backups: a consistent, encrypted, verified copy of the school's data on USB drives,
local directories or district storage, with retention and restore."""

"""The home page and the health probes: app-wide pages above auth (they carry its access markers)."""

"""The vendor's staff: the accounts the console signs in and API tokens belong to (below both, so neither imports
the other for them)."""

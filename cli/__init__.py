"""The `deploy` command line."""

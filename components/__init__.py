"""Pulumi ComponentResources that platform teams import into their own programs."""

"""Jinja2 templates (StrictUndefined) for `deploy init` and the rendered Pulumi project."""

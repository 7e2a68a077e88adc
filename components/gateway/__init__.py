"""The gateway's data plane: LiteLLM's proxy configured over several tiers, with this package's hooks.

`config` builds the two documents (LiteLLM's config.yaml and our `gateway.json`) and imports only the
standard library. `auth`, `hooks`, `routing`, `guardrail` and `scorer` (with `scorer_weights.json`) are
delivered as plain files next to config.yaml in the official LiteLLM image; `hooks` needs LiteLLM.
"""

HOOK_FILES = ("auth.py", "hooks.py", "routing.py", "guardrail.py", "scorer.py", "scorer_weights.json")

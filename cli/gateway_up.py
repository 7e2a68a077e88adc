"""What `deploy up` does beyond a single deployment's stack: a gateway's tiers first (`--with-tiers`), and
named keys given new values (`--rotate-key`)."""

from __future__ import annotations

from typer import Option

from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError

WithTiersOpt = Option(
    False,
    "--with-tiers",
    help="For a gateway spec: bring each tier's stack up first (each as `deploy up TIER.yaml` would), then the "
    "gateway.",
)


RotateOpt = Option(
    None,
    "--rotate-key",
    metavar="NAME",
    help="For a gateway spec: give the named API key a new value (repeatable); the old one is refused from then on.",
)


def tier_paths(spec: str) -> list[str]:
    """The tiers' spec files of a gateway spec; `--with-tiers` on a single deployment is an error."""
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file, resolve_gateway_file

    if not is_gateway_file(spec):
        raise DeployError(f"{spec}: --with-tiers applies to a gateway spec (kind: gateway) only", BAD_INPUT)
    return [deployment.loaded.path for deployment in resolve_gateway_file(spec).tiers.values()]


def keys_to_rotate(spec: str, names: list[str]) -> list[str]:
    """The key names `--rotate-key` gives, checked against the gateway spec's `access.api_keys`."""
    if not names:
        return []
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file
    from deepseek_deploy.stacks.spec.loader import LoadedGateway, load_any

    if not is_gateway_file(spec):
        raise DeployError(f"{spec}: --rotate-key applies to a gateway spec's named keys (kind: gateway)", BAD_INPUT)
    loaded = load_any(spec)
    assert isinstance(loaded, LoadedGateway)  # is_gateway_file said so, and the loader agrees
    known = list(loaded.spec.access.api_keys)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise DeployError(
            f"--rotate-key {', '.join(unknown)}: not a key of {spec} (its keys: {', '.join(known)})", BAD_INPUT
        )
    return list(dict.fromkeys(names))

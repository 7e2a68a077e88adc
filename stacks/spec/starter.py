"""Starter specs for `deploy init`: sensible defaults from the catalog, comments from the schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .. import catalog
from ..errors import BAD_INPUT, DeployError
from . import patterns
from .models import SPEC_CLASSES, section_at
from .sections import MODES

# Preference when the user names a model but no mode: managed first, then pay-per-use, then servers.
MODE_PREFERENCE = ("serverless", "custom-import", "marketplace", "self-hosted")
PREFERRED_REGION = "us-west-2"


class StarterError(DeployError):
    """A combination `init` cannot write a valid spec for; the message says what would work."""

    code = BAD_INPUT


@dataclass(frozen=True)
class StarterChoice:
    model: catalog.Model
    mode: str
    region: str
    name: str


def choose(model: str | None, mode: str | None, region: str | None, name: str | None) -> StarterChoice:
    """Fill in what the user left out, and refuse combinations the cloud cannot serve."""
    try:
        entry = catalog.model(model or "deepseek-r1")
    except catalog.UnknownName as error:
        raise StarterError(f"--model: {error}") from None
    if mode is not None and mode not in MODES:
        raise StarterError(
            f"--mode: '{mode}' is not a mode{catalog.did_you_mean(mode, list(MODES))} Modes: {', '.join(MODES)}"
        )
    chosen_mode = mode or next(m for m in MODE_PREFERENCE if entry.offer(m).available)
    offer = entry.offer(chosen_mode)
    if not offer.available:
        raise StarterError(
            f"--mode: {entry.id} is not available with {chosen_mode}: {offer.reason}. Modes that serve it: "
            f"{', '.join(entry.supported_modes)}"
        )
    if region is not None:
        try:
            catalog.check_region(region)
        except catalog.UnknownName as error:
            raise StarterError(f"--region: {error}") from None
        if offer.regions and region not in offer.regions and offer.regions_confidence != "unconfirmed":
            raise StarterError(
                f"--region: {entry.id} in mode {chosen_mode} is not offered in {region}; regions that offer it: "
                f"{', '.join(offer.regions)}"
            )
    chosen_region = region or (
        PREFERRED_REGION if not offer.regions or PREFERRED_REGION in offer.regions else offer.regions[0]
    )
    chosen_name = name or _default_name(entry, chosen_mode)
    if not patterns.matches(patterns.NAME, chosen_name):
        raise StarterError(
            f"--name: '{chosen_name}' must be a lowercase letter then 1-38 lowercase letters, digits or dashes"
        )
    return StarterChoice(entry, chosen_mode, chosen_region, chosen_name)


def _default_name(model: catalog.Model, mode: str) -> str:
    short = model.aliases[0] if model.aliases else model.id
    return re.sub(r"[^a-z0-9-]", "-", f"{short}-{mode}".lower())[:39]


def _doc(mode: str) -> Callable[[str], str]:
    cls = SPEC_CLASSES[mode]

    def doc(path: str) -> str:
        *parents, leaf = path.split(".")
        section = section_at(cls, tuple(parents)) if parents else cls
        info = section.model_fields[leaf] if section else None
        if info is None or not info.description:
            raise KeyError(f"no description for {path}")  # a template typo must fail loudly
        return info.description

    return doc


def render(choice: StarterChoice, filename: str = "spec.yaml") -> str:
    from deepseek_deploy.templates import environment as templates

    environment = templates()
    offer = choice.model.offer(choice.mode)
    gpu_type = None
    instance = catalog.instance(offer.default_instance) if offer.default_instance else None
    if choice.mode == "self-hosted" and instance is not None:
        gpu_type = instance.gpu
    text = environment.get_template("init.yaml.j2").render(
        model=choice.model,
        mode=choice.mode,
        region=choice.region,
        name=choice.name,
        offer=offer,
        gpu_type=gpu_type,
        filename=filename,
        doc=_doc(choice.mode),
    )
    _check_name(text)
    return text


def _check_name(text: str) -> None:
    """A name that fits the pattern may still be too long for a name derived from it (an IAM role, ...)."""
    from .loader import load_text
    from .names import name_problem

    problem = name_problem(load_text(text).spec)
    if problem:
        raise StarterError(f"--name: {problem}")

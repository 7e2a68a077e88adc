"""`deploy models`: the catalog as a table, or as JSON for scripts."""

from __future__ import annotations

from typing import Any

import typer


def _offer_document(mode: str, offer: Any, sources: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"available": offer.available}
    if not offer.available:
        doc["reason"] = offer.reason
        return doc
    fields = {
        "serverless": (
            "generation",
            "model_id",
            "profiles",
            "in_region",
            "regions",
            "context_length",
            "max_output_tokens",
        ),
        "marketplace": ("hub_model_id", "hub_version", "default_instance", "instances", "regions"),
        "custom-import": ("regions", "cmus"),
        "self-hosted": ("default_instance", "nodes"),
    }[mode]
    for name in fields:
        value = getattr(offer, name)
        if value not in (None, {}, ()):
            doc[name] = list(value) if isinstance(value, tuple) else value
    if offer.regions_confidence:
        doc["regions_confidence"] = offer.regions_confidence
    if offer.price:
        price_source = sources[offer.price.source]
        doc["price"] = {
            "input_usd_per_1m_tokens": offer.price.input_per_1m,
            "output_usd_per_1m_tokens": offer.price.output_per_1m,
            "source": price_source.url,
            "as_of": price_source.as_of,
            "confidence": price_source.confidence,
        }
    if offer.note:
        doc["note"] = offer.note
    doc["source"] = sources[offer.source].url
    return doc


def models_document() -> list[dict[str, Any]]:
    """The `models --json` document (CLI.md): one object per catalog model."""
    from deepseek_deploy.stacks import catalog

    data = catalog.load()
    return [
        {
            "id": model.id,
            "aliases": list(model.aliases),
            "name": model.display_name,
            "hf_repo": model.hf_repo,
            "params_b": model.params_b,
            "active_params_b": model.active_params_b,
            "architecture": model.architecture,
            "dtype": model.dtype,
            "context_length": model.context_length,
            "reasoning": model.reasoning,
            "licence": model.licence,
            "modes": model.supported_modes,
            "offers": {mode: _offer_document(mode, offer, data.sources) for mode, offer in model.modes.items()},
            "source": data.sources[model.source].url,
            "as_of": data.sources[model.source].as_of,
        }
        for model in data.models.values()
    ]


def _price(model: dict[str, Any]) -> str:
    price = model["offers"]["serverless"].get("price")
    if price:
        return f"${price['input_usd_per_1m_tokens']:.2f}/{price['output_usd_per_1m_tokens']:.2f}"
    return "-"


MODE_COLUMNS = (("serverless", "srv"), ("marketplace", "mkt"), ("custom-import", "imp"), ("self-hosted", "self"))


def command(json_output: bool = typer.Option(False, "--json", help="Print the catalog as JSON on stdout.")) -> None:
    document = models_document()
    from .output import console, emit_json, result_console

    if json_output:
        emit_json(document)
        return
    from rich.table import Table

    table = Table(title="DeepSeek models", title_justify="left", box=None, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("ctx", justify="right")
    for _, header in MODE_COLUMNS:
        table.add_column(header, justify="center")
    table.add_column("$/1M in/out", no_wrap=True)
    for model in document:
        size = f"{model['params_b']:g}B" + (" MoE" if model["active_params_b"] else "")
        marks = ["✓" if mode in model["modes"] else "·" for mode, _ in MODE_COLUMNS]
        table.add_row(model["id"], size, f"{model['context_length'] // 1024}K", *marks, _price(model))
    result_console().print(table)
    console().print(
        "srv serverless · mkt marketplace · imp custom-import · self self-hosted. "
        "Aliases: r1, r1-0528, v3 (= deepseek-v3.2), v3.1, distill-qwen-7b, ... "
        "Hardware, regions, prices, sources and dates: `deploy models --json`.",
        style="dim",
    )

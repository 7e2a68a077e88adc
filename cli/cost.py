"""`deploy cost SPEC`: the monthly cost of this spec, of every other mode that serves its model and of the
models that could replace it, for a traffic profile; a table (stdout) or the `cost --json` document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from deepseek_deploy.stacks.sizing.cost_model import Usage


def cost_document(path: str, usage: Usage, bench_file: Optional[str] = None) -> dict[str, Any]:
    """Resolve the spec, read the bench result if any, and price every option (errors are DeployErrors)."""
    from deepseek_deploy.stacks.sizing import cost
    from deepseek_deploy.stacks.sizing.cost_bench import load_bench
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    usage.check()  # bad numbers fail before the spec is read
    deployment = resolve_file(path)
    bench = load_bench(bench_file) if bench_file is not None else None
    return cost.compare(deployment, usage, bench)


COLUMNS = ("", "model", "mode", "hardware", "$/month", "$/1M out", "replicas", "breakdown", "prices for", "sources")


def _money(value: Optional[float]) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _breakdown(option: dict[str, Any]) -> str:
    parts = [f"{name.replace('_', ' ')} {_money(line['usd'])}" for name, line in option["breakdown"].items()]
    if option.get("unknown"):
        parts.append(f"unknown: {option['unknown']}")
    return "; ".join(parts)


def _capacity(option: dict[str, Any]) -> str:
    if option["replicas"] is None:
        return "-"
    basis = option["throughput_basis"] or "assumed"
    return f"{option['replicas']} ({basis})"


def _source_refs(document: dict[str, Any]) -> dict[str, int]:
    """Each distinct source URL numbered once, in order of first use."""
    refs: dict[str, int] = {}
    for option in document["options"]:
        for source in option["sources"]:
            refs.setdefault(source["url"], len(refs) + 1)
    return refs


def _table(document: dict[str, Any], refs: dict[str, int]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in COLUMNS:
        table.add_column(header, justify="right" if header.startswith("$") else "left")
    for option in document["options"]:
        cells = (
            "▶" if option["this_spec"] else "",
            option["model"],
            option["mode"],
            option["hardware"],
            _money(option["monthly_usd"]),
            _money(option["usd_per_1m_output_tokens"]) if option["monthly_usd"] is not None else "-",
            _capacity(option),
            _breakdown(option),
            option["price_region"] or "-",
            " ".join(f"[{refs[s['url']]}]" for s in option["sources"]),
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _header(document: dict[str, Any]) -> str:
    a = document["assumptions"]
    return (
        f"Estimated monthly cost (estimates, not quotes) for {a['spec']} ({a['region']}): "
        f"{a['requests_per_day']:,g} requests/day x ({a['input_tokens']:,} input + {a['output_tokens']:,} output "
        f"tokens), over {a['active_hours_per_day']:g} active hours a day; a month is {a['hours_per_month']} hours. "
        "▶ = this spec."
    )


def _show(document: dict[str, Any]) -> None:
    """The table and the numbered sources on stdout; notes and per-option details on stderr."""
    from .output import plain, result, result_console

    refs = _source_refs(document)
    result(_header(document))
    result_console().print(_table(document, refs))
    sources = {s["url"]: s for option in document["options"] for s in option["sources"]}
    result("Sources (prices, and GPU memory bandwidth for throughput estimates):")
    for url, number in refs.items():
        source = sources[url]
        result(f"  [{number}] {url} (as of {source['as_of']}, {source['confidence']})")
    for note in document["notes"] + [f"throughput: {document['assumptions']['throughput']}"] + _option_notes(document):
        plain(f"note: {note}")
    plain("note: every line item with its quantity and unit price, and each option's throughput: `deploy cost --json`")


def _option_notes(document: dict[str, Any]) -> list[str]:
    """This spec's throughput and notes, then the other options' notes, each text once."""
    notes: dict[str, None] = {}
    for option in document["options"]:
        texts = ([option["throughput"]] if option["this_spec"] and option["throughput"] else []) + option["notes"]
        prefix = "this spec: " if option["this_spec"] else f"{option['model']} {option['mode']}: "
        for text in texts:
            shared = sum(text in other["notes"] for other in document["options"]) > 1
            notes.setdefault(text if shared else prefix + text)
    return list(notes)


def gateway_document(
    path: str, usage: Usage, shares: Optional[str], logs_file: Optional[str], bench_file: Optional[str]
) -> dict[str, Any]:
    """Resolve the gateway and its tiers, read --shares or the logs, and price each tier and the blend."""
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
    from deepseek_deploy.stacks.sizing import cost_gateway, cost_gateway_logs
    from deepseek_deploy.stacks.sizing.gateway import resolve_gateway_file

    usage.check()
    if shares is not None and logs_file is not None:
        raise DeployError("give --shares or --from-logs, not both", BAD_INPUT)
    if bench_file is not None:
        raise DeployError("--from-bench prices one deployment; a gateway's tiers use the planner's estimate", BAD_INPUT)
    gateway = resolve_gateway_file(path)
    parsed = cost_gateway.parse_shares(shares, gateway.tiers) if shares is not None else None
    log = cost_gateway_logs.read_logs(logs_file) if logs_file is not None else None
    return cost_gateway.compare_gateway(gateway, usage, parsed, log)


GATEWAY_COLUMNS = (
    "tier",
    "model",
    "mode",
    "hardware",
    "share",
    "req/day",
    "$/month",
    "$/1M out",
    "breakdown",
    "sources",
)


def _share(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.1%}"


def _gateway_table(document: dict[str, Any], refs: dict[str, int]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    for header in GATEWAY_COLUMNS:
        table.add_column(
            header, justify="right" if header.startswith("$") or header in ("share", "req/day") else "left"
        )
    for option in document["options"]:
        tier = document["tiers"][option["tier"]]
        cells = (
            option["tier"],
            option["model"],
            option["mode"],
            option["hardware"],
            _share(tier["share"]),
            f"{tier['requests_per_day']:,.0f}",
            _money(option["monthly_usd"]),
            _money(option["usd_per_1m_output_tokens"]) if option["monthly_usd"] is not None else "-",
            _breakdown(option),
            " ".join(f"[{refs[s['url']]}]" for s in option["sources"]),
        )
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _blend_lines(document: dict[str, Any]) -> list[str]:
    blend, top = document["blend"], document["blend"]["strongest"]
    hosting = blend["gateway_hosting"]
    hosts = f"{hosting['replicas']} {'pods' if hosting['platform'] == 'kubernetes' else 'Fargate tasks'}"
    lines = [
        f"Blend: {_money(blend['monthly_usd'])}/month, {_money(blend['usd_per_1m_output_tokens'])} per 1M output "
        f"tokens, plus the gateway's hosting ({hosts}, not priced)",
        f"All to {top['tier']} ({top['why']}): {_money(top['monthly_usd'])}/month, "
        f"{_money(top['usd_per_1m_output_tokens'])} per 1M output tokens",
    ]
    saved = blend["saved_usd"]
    if saved is not None and saved >= 0:
        lines.append(f"Saved by routing: {_money(saved)}/month ({blend['saved_percent']:g}%)")
    elif saved is not None:
        lines.append(
            f"Routing costs more: {_money(-saved)}/month ({-blend['saved_percent']:g}%) over all to {top['tier']}"
        )
    if blend.get("unknown"):
        lines.append(f"Blend unknown: {blend['unknown']}")
    return lines


def _gateway_header(document: dict[str, Any]) -> str:
    a = document["assumptions"]
    shares = {"none": "shares unknown", "--shares": "shares from --shares", "logs": "shares measured from the logs"}
    return (
        f"Estimated monthly cost (estimates, not quotes) of gateway {a['spec']} ({a['region']}), "
        f"{shares[a['shares_basis']]}: {a['requests_per_day']:,g} requests/day x ({a['input_tokens']:,} input + "
        f"{a['output_tokens']:,} output tokens), over {a['active_hours_per_day']:g} active hours a day; a month is "
        f"{a['hours_per_month']} hours."
    )


def _show_gateway(document: dict[str, Any]) -> None:
    """The tiers' table, the blend and the sources on stdout; notes on stderr."""
    from .output import plain, result, result_console

    refs = _source_refs(document)
    result(_gateway_header(document))
    result_console().print(_gateway_table(document, refs))
    for line in _blend_lines(document):
        result(line)
    sources = {s["url"]: s for option in document["options"] for s in option["sources"]}
    result("Sources:")
    for url, number in refs.items():
        result(f"  [{number}] {url} (as of {sources[url]['as_of']}, {sources[url]['confidence']})")
    tier_notes = [f"tier {o['tier']}: {text}" for o in document["options"] for text in o["notes"]]
    for note in document["notes"] + tier_notes:
        plain(f"note: {note}")
    plain("note: every line item with its quantity and unit price, per tier: `deploy cost --json`")


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file (or a gateway spec: kind: gateway)."),
    requests_per_day: float = typer.Option(1000, "--requests-per-day", metavar="N", help="Requests a day."),
    input_tokens: int = typer.Option(1000, "--input-tokens", metavar="N", help="Input tokens per request."),
    output_tokens: int = typer.Option(
        1000, "--output-tokens", metavar="N", help="Output tokens per request (reasoning included)."
    ),
    active_hours: float = typer.Option(
        8, "--active-hours", metavar="H", help="Hours a day the requests are spread over (scale-to-zero, peak rate)."
    ),
    from_bench: Optional[str] = typer.Option(
        None, "--from-bench", metavar="FILE", help="A `deploy bench --json` result: size replicas from it."
    ),
    shares: Optional[str] = typer.Option(
        None,
        "--shares",
        metavar="TIER=FRACTION,...",
        help="A gateway: the share of requests each tier serves, summing to 1 (for example fast=0.8,reasoning=0.2).",
    ),
    from_logs: Optional[str] = typer.Option(
        None,
        "--from-logs",
        metavar="FILE",
        help="A gateway: measure each tier's share and tokens from the gateway's request logs.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the cost document as JSON on stdout."),
) -> None:
    """Monthly cost of this spec and of every other mode (and distill) that can serve the model; for a gateway,
    each tier's cost and the blend."""
    from deepseek_deploy.stacks.sizing.cost import Usage
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file

    usage = Usage(requests_per_day, input_tokens, output_tokens, active_hours)
    gateway = is_gateway_file(spec)
    if gateway:
        document = gateway_document(spec, usage, shares, from_logs, from_bench)
    else:
        _single_only(shares, from_logs)
        document = cost_document(spec, usage, from_bench)
    if json_output:
        from .output import emit_json

        emit_json(document)
    else:
        (_show_gateway if gateway else _show)(document)


def _single_only(shares: Optional[str], from_logs: Optional[str]) -> None:
    """--shares and --from-logs belong to a gateway spec."""
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError

    given = [name for name, value in (("--shares", shares), ("--from-logs", from_logs)) if value is not None]
    if given:
        raise DeployError(f"{' and '.join(given)}: only for a gateway spec (kind: gateway)", BAD_INPUT)

"""Monthly cost of the three Bedrock modes for a traffic profile.

- serverless: tokens x the per-token price; nothing when idle.
- custom-import: copies x Custom Model Units x price per CMU-minute x billed minutes. Billing is in
  5-minute windows from the first call, and the model scales to zero when idle: with requests spread
  evenly over the active hours, a window is billed when a request arrives in it, so a day bills
  min(requests, active minutes / 5) windows. A request longer than a window, or bursts, bill more.
- marketplace: instances x 730 hours x the SageMaker hourly price; always on.
"""

from __future__ import annotations

from dataclasses import replace

from .. import catalog
from . import cost_facts
from .cost_model import DAYS_PER_MONTH, HOURS_PER_MONTH, Line, Option, Usage, dollars
from .throughput import Throughput, replicas_needed, replicas_within


def _token_line(tokens_per_month: float, kind: str, usd_per_1m: float, source: str) -> Line:
    return Line(tokens_per_month / 1e6, f"1M {kind} tokens", cost_facts.Figure(usd_per_1m, source, "1M tokens"))


def serverless(model: catalog.Model, usage: Usage, *, this_spec: bool = False, notes: tuple[str, ...] = ()) -> Option:
    offer = model.offer("serverless")
    route = next(iter(offer.profiles.values()), None)
    hardware = f"Bedrock on-demand via {route}" if route else "Bedrock on-demand"
    base = Option(model.id, "serverless", hardware, "per token", this_spec=this_spec, notes=notes)
    price = offer.price
    if price is None:
        return _unknown(base, f"the catalog has no Bedrock token price for {model.id}")
    lines = {
        "input_tokens": _token_line(
            usage.tokens_per_month(usage.input_tokens), "input", price.input_per_1m, price.source
        ),
        "output_tokens": _token_line(
            usage.tokens_per_month(usage.output_tokens), "output", price.output_per_1m, price.source
        ),
    }
    basis = (
        f"per token: {lines['input_tokens'].quantity:,.2f}M input x {dollars(price.input_per_1m)}/1M + "
        f"{lines['output_tokens'].quantity:,.2f}M output x {dollars(price.output_per_1m)}/1M; nothing when idle"
    )
    return Option(model.id, "serverless", hardware, basis, lines, this_spec=this_spec, notes=notes)


def billed_windows_per_day(usage: Usage, window_minutes: int) -> float:
    """5-minute windows a day with at least one request in them, requests spread evenly over the active hours."""
    return min(usage.requests_per_day, usage.active_hours_per_day * 60 / window_minutes)


def custom_import(
    model: catalog.Model, usage: Usage, throughput: Throughput | None, *, this_spec: bool = False
) -> Option:
    cmus = model.offer("custom-import").cmus
    window = catalog.load().custom_import_price.billing_window_minutes
    needed = replicas_needed(usage, throughput) if throughput else None
    copies = needed or 1
    how = (
        throughput.detail
        if throughput
        else "1 copy: AWS publishes no throughput per copy (pass --from-bench to size it)"
    )
    hardware = f"{copies} cop{'y' if copies == 1 else 'ies'} x {cmus or '?'} CMUs"
    base = Option(
        model.id,
        "custom-import",
        hardware,
        "Custom Model Units in 5-minute windows",
        this_spec=this_spec,
        throughput_basis=throughput.basis if throughput else None,
        throughput=how,
        replicas=copies,
    )
    if not cmus:
        return _unknown(
            base,
            f"the catalog does not know how many Custom Model Units {model.id} takes (AWS sets it "
            "at import; GetImportedModel reports it)",
        )
    windows = billed_windows_per_day(usage, window)
    minutes = windows * window * DAYS_PER_MONTH
    rate = cost_facts.cmu_rate()
    line = Line(copies * cmus * minutes, "CMU-minutes", rate)
    basis = (
        f"{copies} x {cmus} CMUs x {minutes:,.0f} billed minutes ({windows:g} {window}-minute windows a day with a "
        f"request in them, over {usage.active_hours_per_day:g} active hours; scales to zero when idle) x "
        f"{dollars(rate.value)}/CMU-minute"
    )
    return replace(base, basis=basis, lines={"model_units": line})


def marketplace(
    model: catalog.Model,
    instance_type: str,
    scaling: tuple[int, int],
    usage: Usage,
    throughput: Throughput,
    *,
    this_spec: bool = False,
) -> Option:
    count, notes = replicas_within(replicas_needed(usage, throughput), *scaling, "instances", throughput)
    hardware = f"{count} x {instance_type}"
    base = Option(
        model.id,
        "marketplace",
        hardware,
        "instance-hours, always on",
        this_spec=this_spec,
        throughput_basis=throughput.basis,
        throughput=throughput.detail,
        replicas=count,
        notes=notes,
        fact_sources=throughput.sources,
    )
    price = cost_facts.sagemaker_price(instance_type)
    if price is None:
        return _unknown(base, f"the catalog has no SageMaker price for {instance_type}")
    line = Line(count * HOURS_PER_MONTH, f"instance-hours ({instance_type})", price)
    basis = f"{count} x {instance_type} always on x {HOURS_PER_MONTH} h x {dollars(price.value)}/h"
    return replace(base, basis=basis, lines={"instances": line})


def _unknown(option: Option, why: str) -> Option:
    return replace(option, unknown=why)

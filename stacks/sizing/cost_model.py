"""The traffic profile and the priced option: the records every cost function builds on.

A month is 730 hours (AWS's pricing convention), so a month of days is 730 / 24 = 30.42 days and
hourly and daily figures agree. Money is rounded to the cent once per line item, half up, and a total
is the sum of its rounded lines, so a reader can redo every figure by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import BAD_INPUT, DeployError
from . import cost_facts

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
CENT = Decimal("0.01")


def cents(amount: Decimal) -> float:
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def exact(number: float) -> Decimal:
    """A float as the decimal it prints as (0.0225 stays 0.0225), so rounding to the cent is the hand result."""
    return Decimal(repr(number))


def dollars(price: float) -> str:
    """A unit price as written: at least two decimals, more where it has them ($5.40, $0.0785)."""
    two = f"{price:.2f}"
    return f"${two}" if Decimal(two) == exact(price) else f"${price:g}"


@dataclass(frozen=True)
class Usage:
    """The traffic profile: requests arrive evenly over `active_hours_per_day` hours, every day."""

    requests_per_day: float = 1000
    input_tokens: int = 1000
    output_tokens: int = 1000
    active_hours_per_day: float = 8

    def check(self) -> None:
        """Negative or impossible figures are bad input (exit 2), named by their option."""
        for name, value in (
            ("--requests-per-day", self.requests_per_day),
            ("--input-tokens", self.input_tokens),
            ("--output-tokens", self.output_tokens),
        ):
            if not math.isfinite(value) or value < 0:
                raise DeployError(f"{name} must be 0 or more, got {value}", BAD_INPUT)
        if not 0 < self.active_hours_per_day <= 24:  # also refuses NaN
            raise DeployError(
                f"--active-hours must be more than 0 and at most 24, got {self.active_hours_per_day}", BAD_INPUT
            )

    @property
    def requests_per_month(self) -> float:
        return self.requests_per_day * DAYS_PER_MONTH

    def tokens_per_month(self, per_request: int) -> float:
        return self.requests_per_month * per_request

    @property
    def active_minutes_per_month(self) -> float:
        return self.active_hours_per_day * 60 * DAYS_PER_MONTH

    @property
    def peak_output_tokens_per_s(self) -> float:
        """Output tokens a second while the traffic is on (spread evenly over the active hours)."""
        return self.requests_per_day * self.output_tokens / (self.active_hours_per_day * 3600)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_per_day": self.requests_per_day,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "active_hours_per_day": self.active_hours_per_day,
            "hours_per_month": HOURS_PER_MONTH,
            "days_per_month": round(DAYS_PER_MONTH, 4),
            "requests_per_month": round(self.requests_per_month, 2),
            "output_tokens_per_month": round(self.tokens_per_month(self.output_tokens)),
            "peak_output_tokens_per_s": round(self.peak_output_tokens_per_s, 2),
            "traffic_model": f"requests spread evenly over {self.active_hours_per_day:g} active hours a day, "
            f"every day; a month is {HOURS_PER_MONTH} hours ({DAYS_PER_MONTH:.2f} days)",
        }


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: quantity x unit price, from a catalog source."""

    quantity: float
    unit: str
    price: cost_facts.Figure

    @property
    def usd(self) -> float:
        return cents(exact(self.quantity) * exact(self.price.value))

    def as_dict(self) -> dict[str, Any]:
        return {"quantity": round(self.quantity, 4), "unit": self.unit, "unit_usd": self.price.value, "usd": self.usd}


@dataclass(frozen=True)
class Option:
    """One way to serve the traffic: a model in a mode on some hardware, priced line by line."""

    model: str
    mode: str
    hardware: str
    basis: str
    lines: dict[str, Line] = field(default_factory=dict)
    this_spec: bool = False
    throughput_basis: str | None = None  # "bench" | "planner estimate"; None where throughput does not matter
    throughput: str | None = None
    replicas: int | None = None
    unknown: str | None = None  # why the monthly figure cannot be given
    notes: tuple[str, ...] = ()
    fact_sources: tuple[str, ...] = ()  # sources of non-price figures used (GPU memory bandwidth)

    @property
    def monthly_usd(self) -> float | None:
        if self.unknown is not None:
            return None
        return cents(sum((exact(line.usd) for line in self.lines.values()), Decimal(0)))

    def usd_per_1m_output_tokens(self, usage: Usage) -> float | None:
        millions = usage.tokens_per_month(usage.output_tokens) / 1e6
        monthly = self.monthly_usd
        if monthly is None or millions <= 0:
            return None
        return cents(exact(monthly) / exact(millions))

    @property
    def source_keys(self) -> list[str]:
        keys = [line.price.source for line in self.lines.values()] + list(self.fact_sources)
        return list(dict.fromkeys(keys))

    @property
    def price_region(self) -> str | None:
        regions = {line.price.region or "not stated by the source" for line in self.lines.values()}
        return ", ".join(sorted(regions)) or None

    def as_dict(self, usage: Usage) -> dict[str, Any]:
        document: dict[str, Any] = {
            "model": self.model,
            "mode": self.mode,
            "hardware": self.hardware,
            "this_spec": self.this_spec,
            "monthly_usd": self.monthly_usd,
            "usd_per_1m_output_tokens": self.usd_per_1m_output_tokens(usage),
            "breakdown": {name: line.as_dict() for name, line in self.lines.items()},
            "basis": self.basis,
            "throughput_basis": self.throughput_basis,
            "throughput": self.throughput,
            "replicas": self.replicas,
            "price_region": self.price_region,
            "sources": [cost_facts.source_ref(key) for key in self.source_keys],
            "notes": list(self.notes),
        }
        if self.unknown is not None:
            document["unknown"] = self.unknown
        return document

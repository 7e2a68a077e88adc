"""The sourced figures `deploy cost` uses: prices and GPU memory bandwidth, each with its catalog source.

Instance, SageMaker, token and CMU prices come from their catalog records; the catalog's `cost_facts`
section (bandwidth, EKS, EBS, EFS and load-balancer prices) is a plain mapping there, so it is checked
strictly here. A figure the catalog lacks is None: the estimate then says "unknown", never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import catalog

UNIT_PRICE_KEYS = frozenset({"usd", "per", "region", "source"})
BANDWIDTH_KEYS = frozenset({"gb_per_s", "source"})
PER = ("hour", "GiB-month", "GB-month")


@dataclass(frozen=True)
class Figure:
    """A number with the catalog source it comes from; `region` is whose price it is (None: not stated)."""

    value: float
    source: str
    per: str = ""
    region: str | None = None


def _entry(where: str, raw: Any, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) != keys:
        raise ValueError(f"catalog cost_facts.{where}: expected the keys {sorted(keys)}, got {raw!r}")
    if raw["source"] not in catalog.load().sources:
        raise ValueError(f"catalog cost_facts.{where}: source {raw['source']!r} is not in `sources`")
    return raw


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"catalog cost_facts.{where}: expected a positive number, got {value!r}")
    return float(value)


@cache
def _bandwidths() -> dict[str, Figure]:
    section = catalog.load().cost_facts.get("gpu_memory_bandwidth", {})
    figures: dict[str, Figure] = {}
    for gpu, raw in section.items():
        where = f"gpu_memory_bandwidth.{gpu}"
        if gpu not in catalog.load().gpus:
            raise ValueError(f"catalog cost_facts.{where}: {gpu} is not in `gpus`")
        entry = _entry(where, raw, BANDWIDTH_KEYS)
        figures[gpu] = Figure(_number(where, entry["gb_per_s"]), entry["source"], "GB/s")
    return figures


@cache
def _unit_prices() -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    for name, raw in catalog.load().cost_facts.get("unit_prices", {}).items():
        where = f"unit_prices.{name}"
        entry = _entry(where, raw, UNIT_PRICE_KEYS)
        if entry["per"] not in PER:
            raise ValueError(f"catalog cost_facts.{where}: per must be one of {PER}")
        figures[name] = Figure(_number(where, entry["usd"]), entry["source"], entry["per"], entry["region"])
    return figures


def bandwidth(gpu: str) -> Figure | None:
    """Memory bandwidth of one GPU in GB/s, or None when the catalog has no sourced figure."""
    return _bandwidths().get(gpu)


def unit_price(name: str) -> Figure:
    """EKS, EBS, EFS and load-balancer prices: every one the estimate names is in the catalog."""
    return _unit_prices()[name]


def ec2_price(instance_type: str) -> Figure | None:
    instance = catalog.instance(instance_type)
    if instance is None or instance.ec2_usd_hour is None or instance.price_source is None:
        return None
    return Figure(instance.ec2_usd_hour, instance.price_source, "hour", instance.price_region)


def sagemaker_price(instance_type: str) -> Figure | None:
    price = catalog.load().sagemaker_prices.get(instance_type)
    return Figure(price.usd_hour, price.source, "hour") if price else None


def cmu_rate() -> Figure:
    # The catalog keeps the US rate per customModelUnitsVersion; estimates use the assumed version.
    price = catalog.load().custom_import_price
    return Figure(price.usd_per_cmu_minute, price.source, "CMU-minute", "US regions")


def source_ref(key: str) -> dict[str, str]:
    source = catalog.source(key)
    return {"url": source.url, "as_of": source.as_of, "confidence": source.confidence}

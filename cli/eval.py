"""`deploy eval SPEC...` (CLI.md): quality, latency and cost of one or more deployments (or a gateway) on one
dataset, side by side; stacks/measure does it. The estimated spend is shown first and the run stops before
any request when it is over `--max-cost`. Results go to stdout, progress to stderr.

Each SPEC is found from its stack outputs, or by hand: `--endpoint URL` (or `--model-id ID`) once per SPEC,
in the same order, and then Pulumi is not touched. A gateway's answers name the tier that served them
(`x-deepseek-tier`); evaluate its tiers alongside it (`deploy eval gateway.yaml fast.yaml strong.yaml`)
and the report adds each tier's share, the cost saved against the strongest tier and the quality kept.
"""

from __future__ import annotations

from typing import Any, Optional

import typer

from .lifecycle import BackendOpt, InstallOpt, SecretsOpt, StackOpt

Specs = typer.Argument(..., metavar="SPEC...", help="The spec files: deployments, or a gateway and its tiers.")
DEFAULT_MAX_COST_USD = 5.0


def command(
    specs: list[str] = Specs,
    dataset: str = typer.Option(
        "builtin:arithmetic",
        "--dataset",
        help="JSONL (prompt, answer, match) or builtin:arithmetic | builtin:units | builtin:routing.",
    ),
    judge: Optional[str] = typer.Option(None, "--judge", help="A spec whose deployment grades `match: judge` rows."),
    judge_endpoint: Optional[str] = typer.Option(
        None, "--judge-endpoint", help="The judge's OpenAI-compatible base URL instead of its stack outputs."
    ),
    judge_api_key: Optional[str] = typer.Option(
        None, "--judge-api-key", envvar="DEPLOY_JUDGE_API_KEY", help="The judge endpoint's key."
    ),
    requests: int = typer.Option(100, "--requests", help="Prompts per deployment (at most 2000)."),
    concurrency: int = typer.Option(4, "--concurrency", help="Requests in flight per deployment (at most 32)."),
    duration: float = typer.Option(1800.0, "--duration", help="No new request after this many seconds (at most 3600)."),
    max_tokens: int = typer.Option(1024, "--max-tokens", help="Answer length cap per request, reasoning included."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated datasets, the bootstrap and the split."),
    calibrate: bool = typer.Option(
        False,
        "--calibrate",
        help="SPECs are GATEWAY FAST STRONG: fit the gateway's `threshold: auto` on both tiers' answers and write it.",
    ),
    target_quality: float = typer.Option(
        0.95, "--target-quality", help="With --calibrate: the share of the strong tier's quality to keep."
    ),
    max_cost: float = typer.Option(
        DEFAULT_MAX_COST_USD, "--max-cost", help="Stop before sending when the estimated spend is higher (USD)."
    ),
    json_output: bool = typer.Option(False, "--json", help="The result as one JSON document on stdout."),
    out: Optional[str] = typer.Option(None, "--out", help="Write eval.json, report.md and a PNG plot here."),
    endpoint: Optional[list[str]] = typer.Option(None, "--endpoint", help="An OpenAI-compatible base URL, per SPEC."),
    model_id: Optional[list[str]] = typer.Option(None, "--model-id", help="A Bedrock model id or ARN, per SPEC."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="DEPLOY_API_KEY", help="The endpoints' key."),
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    install_pulumi: bool = InstallOpt,
) -> None:
    """Score deployments on a dataset side by side: quality with a CI, cost per 1k requests, latency."""
    from contextlib import ExitStack
    from dataclasses import replace

    from deepseek_deploy.stacks.call.portforward import reach
    from deepseek_deploy.stacks.measure import eval_data, eval_plan, eval_report, eval_run

    from .output import emit_json, plain, result

    caps = eval_run.plan_caps(concurrency, requests, duration, max_tokens)
    data = eval_data.load(dataset, seed)
    options = (stack, backend, secrets_provider, install_pulumi)
    referee = _judge(judge, judge_endpoint, judge_api_key, options, data)
    gateway = _gateway_spec(specs) if calibrate else None
    tiers = specs[1:] if calibrate else specs
    deployments = _deployments(tiers, endpoint or [], model_id or [], api_key, options)
    spent = eval_plan.spend(deployments, data.prompts, caps, referee)
    shown = "unknown, --max-cost not enforced" if spent.usd is None else f"${spent.usd:.4f}"
    plain(f"eval {data.name} on {len(deployments)} deployment(s): estimated spend {shown}: {spent.basis}")
    eval_plan.check_budget(spent, max_cost)
    with ExitStack() as held:  # cluster-internal Services: through a port-forward while the run lasts
        reached = [replace(d, target=held.enter_context(reach(d.target))) for d in deployments]
        if referee is not None:
            referee = replace(referee, target=held.enter_context(reach(referee.target)))
        document, rows = eval_plan.run(
            reached, data, caps, judge=referee, seed=seed, estimated_usd=spent.usd, notify=plain
        )
    if gateway is not None:
        document["calibration"] = _calibrate(gateway, deployments, rows, data, target_quality, seed, out)
    if out:
        for path in eval_report.write(document, out):
            plain(f"wrote {path}")
    if json_output:
        emit_json(document)
    else:
        for line in eval_report.table(document) + eval_report.calibration_lines(document.get("calibration")):
            result(line)


def _gateway_spec(specs: list[str]) -> str:
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError

    if len(specs) != 3:
        raise DeployError(
            f"--calibrate takes three SPECs, GATEWAY FAST STRONG (the gateway spec with `threshold: auto`, then its "
            f"default and its escalate_to tier); got {len(specs)}",
            BAD_INPUT,
        )
    from pathlib import Path

    from deepseek_deploy.stacks.measure.eval_calibrate import find_auto

    try:
        find_auto(Path(specs[0]).read_text(encoding="utf-8"))  # before any request: the number has a place
    except OSError as error:
        raise DeployError(f"{specs[0]}: cannot read it ({error})", BAD_INPUT) from None
    return specs[0]


def _calibrate(
    gateway: str, deployments: list[Any], rows: dict[str, Any], data: Any, target: float, seed: int, out: Optional[str]
) -> dict[str, Any]:
    """Fit the threshold on both tiers' rows, write it into the gateway spec, return the JSON section."""
    from pathlib import Path

    from deepseek_deploy.stacks.errors import MISSING_PREREQUISITE, DeployError
    from deepseek_deploy.stacks.measure import eval_calibrate, eval_metrics, eval_tune

    from .output import plain

    try:
        from deepseek_deploy.components.gateway.scorer import score as difficulty
    except ImportError as error:
        raise DeployError(
            f"--calibrate needs the gateway's difficulty scorer ({error})", MISSING_PREREQUISITE
        ) from None
    fast, strong = deployments
    prices = (
        eval_metrics.price_of(fast.target.model, fast.price_mode),
        eval_metrics.price_of(strong.target.model, strong.price_mode),
    )
    found_samples = eval_tune.samples(data.prompts, rows[fast.name], rows[strong.name], difficulty, prices)
    found = eval_calibrate.calibrate(found_samples, target, seed)
    section = eval_tune.section(found, target, gateway, data.name)
    if out:
        path = Path(out) / "calibration.png"
        eval_tune.plot(found, path, f"{data.name}: cost against quality per threshold")
        plain(f"wrote {path}")
    if not found.met:
        plain(f"note: no threshold kept {target:g} of {strong.name}'s quality; the best quality was taken")
    eval_tune.write_back(gateway, found.threshold, data.name)
    plain(
        f"wrote threshold {found.threshold:g} into {gateway} (fitted on one half of {len(found_samples)} prompts "
        "both tiers answered, reported on the other)"
    )
    return section


def _deployments(
    specs: list[str], endpoints: list[str], model_ids: list[str], api_key: Optional[str], options: tuple[Any, ...]
) -> list[Any]:
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
    from deepseek_deploy.stacks.measure.eval_plan import Deployment

    by_hand = endpoints or model_ids
    if endpoints and model_ids:
        raise DeployError("give --endpoint or --model-id for the SPECs, not both", BAD_INPUT)
    if by_hand and len(by_hand) != len(specs):
        flag = "--endpoint" if endpoints else "--model-id"
        raise DeployError(f"{flag} given {len(by_hand)} time(s) for {len(specs)} SPEC(s): give one per SPEC", BAD_INPUT)
    found = []
    for i, spec in enumerate(specs):
        url = endpoints[i] if endpoints else None
        arn = model_ids[i] if model_ids else None
        loaded, target = _target(spec, url, arn, api_key, options)
        found.append(Deployment(loaded.name, target, loaded.mode))
    return found


def _judge(
    spec: Optional[str], endpoint: Optional[str], api_key: Optional[str], options: tuple[Any, ...], data: Any
) -> Any:
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
    from deepseek_deploy.stacks.measure.eval_data import rubric
    from deepseek_deploy.stacks.measure.eval_run import Judge

    if spec is None:
        if endpoint:
            raise DeployError("--judge-endpoint needs --judge SPEC (the judge's model)", BAD_INPUT)
        if any(p.match == "judge" for p in data.prompts):
            from .output import plain

            plain("note: rows with `match: judge` stay unscored without --judge SPEC")
        return None
    _, target = _target(spec, endpoint, None, api_key, options)
    return Judge(target, rubric())


def _target(
    spec: str, endpoint: Optional[str], model_id: Optional[str], api_key: Optional[str], options: tuple[Any, ...]
) -> tuple[Any, Any]:
    """The spec and where to call it: by hand (no Pulumi at all) or from the stack outputs (cli/targets.py)."""
    from .targets import find

    stack, backend, secrets, install_pulumi = options
    return find(
        spec,
        endpoint=endpoint,
        model_id=model_id,
        api_key=api_key,
        stack=stack,
        backend=backend,
        secrets=secrets,
        install_pulumi=install_pulumi,
    )

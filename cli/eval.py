"""`deploy eval SPEC...` (CLI.md): quality, latency and cost of one or more deployments (or a gateway) on one
dataset, side by side; stacks/measure does it. The estimated spend is shown first and the run stops before
any request when it is over `--max-cost`. Results go to stdout, progress to stderr.

Each SPEC is found from its stack outputs, or by hand: `--endpoint URL` (or `--model-id ID`) once per SPEC,
in the same order, and then Pulumi is not touched. A gateway's answers name the tier that served them
(`x-deepseek-tier`); evaluate its tiers alongside it (`deploy eval gateway.yaml fast.yaml strong.yaml`)
and the report adds each tier's share, the cost saved against the strongest tier and the quality kept.

`deploy eval gateway.yaml --calibrate` reads the gateway spec itself: its `routing.default` and
`routing.escalate_to` tiers are evaluated (each from its own stack, or `--endpoint TIER=URL` by hand) and the
fitted number replaces `routing.threshold: auto` at the position the YAML parser gives. The older form,
`--calibrate GATEWAY FAST STRONG`, still works.

`--bedrock-job` also starts one Amazon Bedrock model evaluation job per deployment (stacks/measure/eval_job.py).
Its prerequisites are checked before any request, as `deploy up` checks them (exit 3, nothing sent); the eval
stack `deepseek-<first SPEC's name>-eval` comes up after the local run; `--wait` polls the jobs within
`--duration`, else `--fetch ARN` reads them later.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import typer

from .lifecycle import BackendOpt, InstallOpt, SecretsOpt, StackOpt

Specs = typer.Argument(..., metavar="SPEC...", help="The spec files: deployments, or a gateway and its tiers.")
DEFAULT_MAX_COST_USD = 5.0
DEFAULT_EVALUATOR = "mistral.mistral-large-2402-v1:0"  # = stacks/measure/eval_job.DEFAULT_EVALUATOR (kept lazy)


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
        help="SPEC is a gateway (kind: gateway, strategy classifier, threshold: auto): evaluate its default and "
        "escalate_to tiers, fit the threshold on their answers and write it into the spec. Tiers come from their "
        "stacks, or by hand with --endpoint TIER=URL (or --model-id TIER=ID). Also: SPECs GATEWAY FAST STRONG.",
    ),
    target_quality: float = typer.Option(
        0.95, "--target-quality", help="With --calibrate: the share of the strong tier's quality to keep."
    ),
    max_cost: float = typer.Option(
        DEFAULT_MAX_COST_USD, "--max-cost", help="Stop before sending when the estimated spend is higher (USD)."
    ),
    json_output: bool = typer.Option(False, "--json", help="The result as one JSON document on stdout."),
    out: Optional[str] = typer.Option(None, "--out", help="Write eval.json, report.md and a PNG plot here."),
    endpoint: Optional[list[str]] = typer.Option(
        None,
        "--endpoint",
        help="An OpenAI-compatible base URL, per SPEC in order; with `GATEWAY --calibrate`, TIER=URL per tier "
        "(a tier not named comes from its stack), or one plain URL per tier: default, then escalate_to.",
    ),
    model_id: Optional[list[str]] = typer.Option(
        None, "--model-id", help="A Bedrock model id or ARN, per SPEC; with `GATEWAY --calibrate`, TIER=ID."
    ),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="DEPLOY_API_KEY", help="The endpoints' key."),
    bedrock_job: bool = typer.Option(
        False,
        "--bedrock-job",
        help="Also start Amazon Bedrock model evaluation jobs, one per deployment: automatic where Bedrock can call "
        "the model, else over the answers gathered here. Their bucket and role live in the stack "
        "deepseek-<first SPEC's name>-eval (`deploy destroy` removes it). Needs the Pulumi CLI and AWS credentials.",
    ),
    wait: bool = typer.Option(
        False,
        "--wait",
        help="With --bedrock-job: wait for the jobs (at most --duration seconds) and put their metrics in the report; "
        "without it, the job ARNs and the command that fetches them later are printed.",
    ),
    fetch: Optional[list[str]] = typer.Option(
        None,
        "--fetch",
        metavar="ARN",
        help="Report the status and metrics of a Bedrock evaluation job started by --bedrock-job (repeatable); "
        "nothing else is sent. The region is the first SPEC's.",
    ),
    evaluator: str = typer.Option(
        DEFAULT_EVALUATOR,
        "--bedrock-evaluator",
        help="With --bedrock-job: the Bedrock model that grades the answers of deployments Bedrock cannot call.",
    ),
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
    if fetch:  # a later look at jobs started earlier: nothing else is sent
        _fetch(specs[0], fetch, json_output)
        return
    if wait and not bedrock_job:
        from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError

        raise DeployError("--wait waits for the jobs of --bedrock-job; add --bedrock-job", BAD_INPUT)
    gateways = _gateways(specs)  # read once: their tiers' names and the tier they escalate to
    if calibrate and len(specs) == 1:  # the gateway spec names its tiers
        gateway: Optional[str] = specs[0]
        deployments, paths = _gateway_tiers(specs[0], endpoint or [], model_id or [], api_key, options)
    else:
        gateway = _gateway_spec(specs) if calibrate else None
        paths = specs[1:] if calibrate else specs
        deployments = _deployments(paths, endpoint or [], model_id or [], api_key, options, _tier_names(gateways))
    # Before any request: the eval stack's prerequisites (the Pulumi CLI, a secrets provider), as `deploy up`.
    jobs = _bedrock_engine(specs[0], deployments, paths, evaluator, options) if bedrock_job else None
    spent = eval_plan.spend(deployments, data.prompts, caps, referee)
    shown = "unknown, --max-cost not enforced" if spent.usd is None else f"${spent.usd:.4f}"
    plain(f"eval {data.name} on {len(deployments)} deployment(s): estimated spend {shown}: {spent.basis}")
    eval_plan.check_budget(spent, max_cost)
    with ExitStack() as held:  # cluster-internal Services: through a port-forward while the run lasts
        reached = [replace(d, target=held.enter_context(reach(d.target))) for d in deployments]
        if referee is not None:
            referee = replace(referee, target=held.enter_context(reach(referee.target)))
        document, rows = eval_plan.run(
            reached,
            data,
            caps,
            judge=referee,
            seed=seed,
            estimated_usd=spent.usd,
            strongest=_escalation_tier(gateways),
            notify=plain,
        )
    if gateway is not None:
        document["calibration"] = _calibrate(gateway, deployments, rows, data, target_quality, seed, out)
    if jobs is not None:
        document["bedrock_jobs"] = _bedrock_jobs(
            jobs, evaluator, specs[0], deployments, rows, data, caps, wait, duration
        )
    if out:
        for path in eval_report.write(document, out):
            plain(f"wrote {path}")
    if json_output:
        emit_json(document)
    else:
        for line in eval_report.table(document) + eval_report.calibration_lines(document.get("calibration")):
            result(line)
        from deepseek_deploy.stacks.measure.eval_job_flow import lines

        for line in lines(document.get("bedrock_jobs")):
            result(line)


def _gateway_spec(specs: list[str]) -> str:
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError

    if len(specs) != 3:
        raise DeployError(
            f"--calibrate takes the gateway spec (`deploy eval GATEWAY --calibrate`: it names its tiers), or three "
            f"SPECs, GATEWAY FAST STRONG (its default and its escalate_to tier); got {len(specs)}",
            BAD_INPUT,
        )
    from pathlib import Path

    from deepseek_deploy.stacks.measure.eval_gateway import threshold_position

    try:  # before any request: the number has a place
        threshold_position(Path(specs[0]).read_text(encoding="utf-8"), specs[0])
    except OSError as error:
        raise DeployError(f"{specs[0]}: cannot read it ({error})", BAD_INPUT) from None
    return specs[0]


def _gateway_tiers(
    spec: str, endpoints: list[str], model_ids: list[str], api_key: Optional[str], options: tuple[Any, ...]
) -> tuple[list[Any], list[str]]:
    """The gateway's default and escalate_to tiers as deployments: by hand (TIER=URL) or from their stacks. A tier
    that cannot be reached is reported at the gateway's line for it."""
    from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
    from deepseek_deploy.stacks.measure.eval_gateway import calibration_tiers, tier_endpoints
    from deepseek_deploy.stacks.measure.eval_plan import Deployment
    from deepseek_deploy.stacks.sizing.gateway import resolve_gateway_file
    from deepseek_deploy.stacks.spec.loader import SpecError

    if endpoints and model_ids:
        raise DeployError("give --endpoint or --model-id for the tiers, not both", BAD_INPUT)
    gateway = resolve_gateway_file(spec)
    tiers = calibration_tiers(gateway)
    urls = tier_endpoints(endpoints, tiers, "--endpoint")
    arns = tier_endpoints(model_ids, tiers, "--model-id")
    found = []
    for tier, url, arn in zip(tiers, urls, arns, strict=True):
        try:
            loaded, target = _target(tier.path, url, arn, api_key, options)
        except SpecError:
            raise
        except DeployError as error:  # not deployed, no Pulumi, no credentials: keep the code, name the tier
            at = gateway.loaded.locate(("tiers", tier.name), f"tier '{tier.name}' ({tier.path}): {error.message}")
            wrapped = DeployError(str(at), error.code)
            wrapped.diagnostics = [at]  # type: ignore[attr-defined]  # file, line, column in the --json error
            raise wrapped from None
        found.append(Deployment(loaded.name, target, loaded.mode))
    return found, [tier.path for tier in tiers]


def _calibrate(
    gateway: str, deployments: list[Any], rows: dict[str, Any], data: Any, target: float, seed: int, out: Optional[str]
) -> dict[str, Any]:
    """Fit the threshold on both tiers' rows, write it into the gateway spec, return the JSON section."""

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
        from deepseek_deploy.stacks.measure.report import out_folder

        folder = out_folder(out)
        path = folder / "calibration.png"
        eval_tune.plot(found, path, f"{data.name}: cost against quality per threshold")
        plain(f"wrote {path}")
        labelled = eval_tune.labels(data.prompts, rows[fast.name], rows[strong.name])
        plain(f"wrote {eval_tune.write_labels(folder, labelled)} (the scorer's fitting rows)")
    if not found.met:
        plain(f"note: no threshold kept {target:g} of {strong.name}'s quality; the best quality was taken")
    eval_tune.write_back(gateway, found.threshold, data.name)
    plain(
        f"wrote threshold {found.threshold:g} into {gateway} (fitted on one half of {len(found_samples)} prompts "
        "both tiers answered, reported on the other)"
    )
    return section


def _deployments(
    specs: list[str],
    endpoints: list[str],
    model_ids: list[str],
    api_key: Optional[str],
    options: tuple[Any, ...],
    tiers: dict[str, str],
) -> list[Any]:
    """One per SPEC; `tiers` names the gateways' tier files ({absolute path: tier name})."""
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
        # A gateway's answers name their tier (x-deepseek-tier): its tiers' rows go by that name, so the
        # gateway's requests are priced at, and compared with, the tier that served them.
        name = tiers.get(os.path.abspath(spec), loaded.name)
        found.append(Deployment(name, target, getattr(loaded, "mode", "gateway")))
    return found


def _escalation_tier(gateways: list[Any]) -> Optional[str]:
    """The strong tier a gateway among the SPECs escalates to: what its quality and cost compare with."""
    for loaded in gateways:
        if loaded.spec.routing.escalate_to:
            return loaded.spec.routing.escalate_to
    return None


def _gateways(specs: list[str]) -> list[Any]:
    """The gateway specs among the SPECs that load (one that does not is reported where it is used)."""
    from deepseek_deploy.stacks.errors import DeployError
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file
    from deepseek_deploy.stacks.spec.loader import LoadedGateway, load_any

    found = []
    for spec in specs:
        if is_gateway_file(spec):
            try:
                loaded = load_any(spec)
            except DeployError:
                continue
            if isinstance(loaded, LoadedGateway):
                found.append(loaded)
    return found


def _tier_names(gateways: list[Any]) -> dict[str, str]:
    """{absolute path of a tier's spec file: its tier name} for every gateway among the SPECs."""
    from deepseek_deploy.stacks.sizing.gateway import tier_path

    names: dict[str, str] = {}
    for loaded in gateways:
        names.update({os.path.abspath(tier_path(loaded, tier)): tier for tier in loaded.spec.tiers})
    return names


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


def _bedrock_engine(
    first: str, deployments: list[Any], paths: list[str], evaluator: str, options: tuple[Any, ...]
) -> Any:
    """The eval stack's engine, set up as `deploy up` sets up a deployment's: every missing prerequisite is
    reported at once (exit 3) and nothing is sent. The stack holds EvalAccess for exactly these models."""
    from deepseek_deploy.stacks.measure.eval_bedrock import evaluable
    from deepseek_deploy.stacks.measure.eval_job import eval_settings, program
    from deepseek_deploy.stacks.run import engine as eng
    from deepseek_deploy.stacks.run.preflight import PrerequisitesMissing
    from deepseek_deploy.stacks.spec.loader import load_any

    from .lifecycle import _offer_install, _prerequisite

    spec = load_any(first).spec
    stack, backend, secrets, install_pulumi = options
    found: list[Any] = []
    settings = _prerequisite(found, lambda: eng.resolve(spec, stack=stack, backend=backend, secrets=secrets))
    command = _prerequisite(found, lambda: eng.find_pulumi(install_pulumi or _offer_install()))
    if found or settings is None:
        raise PrerequisitesMissing(found)
    models = [d.target.model_id for d in deployments if evaluable(d.target.model_id)]
    if len(models) < len(deployments):
        models.append(evaluator)  # grades the precomputed answers
    settings = eval_settings(settings, spec.name)
    run = program(spec.name, spec.region, list(dict.fromkeys(models)), _profile_regions(paths))
    return eng.Engine(settings, run, command)


def _profile_regions(paths: list[str]) -> dict[str, tuple[str, ...]]:
    """Each geographic inference profile a serverless spec calls -> the regions it routes to."""
    from deepseek_deploy.stacks.errors import DeployError
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    found = {}
    for path in paths:
        try:
            route = resolve_file(path).serverless
        except DeployError:  # not a single deployment's spec (a gateway evaluated beside its tiers)
            continue
        if route is not None and route.profile_id:
            found[route.profile_id] = route.destination_regions
    return found


def _clients(region: str) -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session(region_name=region)
    return session.client("bedrock"), session.client("s3")


def _bedrock_jobs(
    engine: Any, evaluator: str, first: str, deployments: list[Any], rows: dict[str, Any], data: Any, caps: Any,
    wait: bool, duration: float,
) -> list[dict[str, Any]]:  # fmt: skip
    """Bring the eval stack up, start one job per deployment, and (with --wait) read their results."""
    from deepseek_deploy.stacks.measure import eval_job_flow as flow

    from .output import plain

    prompts = list(data.prompts)[: caps.requests]
    found = flow.subjects(deployments, rows, len(prompts))
    jobs_of = flow.plan(
        prompts, found, dataset=data.name, stamp=_stamp(), max_tokens=caps.max_tokens, evaluator=evaluator
    )
    return flow.run(engine, _clients, jobs_of, first=first, wait=wait, duration=duration, notify=plain)


def _stamp() -> str:
    """What makes this run's job names unique (UTC, to the second)."""
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dt%H%M%S")


def _fetch(first: str, arns: list[str], json_output: bool) -> None:
    from deepseek_deploy.stacks.measure import eval_job
    from deepseek_deploy.stacks.measure.eval_job_flow import aws_errors, lines
    from deepseek_deploy.stacks.spec.loader import load_any

    from .output import emit_json, result

    bedrock, s3 = _clients(load_any(first).spec.region)
    with aws_errors("reading the Bedrock evaluation jobs"):
        document = {"bedrock_jobs": [eval_job.fetch(bedrock, s3, arn) for arn in arns]}
    if json_output:
        emit_json(document)
    else:
        for line in lines(document["bedrock_jobs"]):
            result(line)

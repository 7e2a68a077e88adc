"""The README's hybrid stand-in report, reproducible: the real LiteLLM gateway over two local stand-in tiers.

    python bench/hybrid_standin.py [--threshold 0.5] [--requests N] [--out DIR]   # the markdown report
    python bench/hybrid_standin.py --serve [--threshold 0.5] [--serve-for SECONDS]  # drive it by hand

The stand-ins answer the built-in routing dataset (stacks/measure/datasets/routing.jsonl), read from that file:
"fast" answers right the prompts the dataset marks easy and wrong the hard ones, quickly (50 ms to the first
token, about 20 tokens); "reasoning" answers every prompt right, slowly (1.5 s to the first token, a few
hundred reasoning and answer tokens). The gateway is LiteLLM 1.108.7 with this package's hooks (classifier
routing at --threshold, the fake ApplyGuardrail in front), started with the helpers the gateway tests use
(tests/components/gateway), so it needs the LiteLLM venv under .cache/litellm-venv.

The report runs `deploy eval` on builtin:routing over the gateway and both tiers side by side (prices from
examples/hybrid), then `--calibrate` on a copy of the gateway spec (examples/ is never written), and adds:
the routing overhead (median latency through the gateway pinned to the fast tier, minus the median calling
that tier directly, over N interleaved requests, with and without the guardrail) and the shipped scorer's
AUROC, once against the dataset's `hard` marks (a proxy label) and once against the stand-in calibration's
scorer-labels.jsonl (stand-in labels). Everything listens on 127.0.0.1 only; every call has a timeout.

Copies of the tier specs are named after their gateway tiers (fast, reasoning): the answers name the tier that
served them (`x-deepseek-tier`), and `deploy eval` prices a gateway's answers by the deployment of that name.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `tests.*` (the fakes and the proxy helpers) from a plain `python bench/...`
    sys.path.insert(0, str(REPO))

from deepseek_deploy.components.gateway import config as gw  # noqa: E402
from deepseek_deploy.components.gateway import scorer  # noqa: E402
from deepseek_deploy.stacks.measure import eval_data, eval_report, eval_score  # noqa: E402
from deepseek_deploy.stacks.measure.dataset import Prompt  # noqa: E402
from deepseek_deploy.stacks.measure.eval_tune import LABELS_FILE  # noqa: E402
from tests.components.gateway.guardrail_fake import FakeGuardrail  # noqa: E402
from tests.components.gateway.proxy import Proxy, base_env, deliver  # noqa: E402
from tests.components.gateway.stack import MASTER, call  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer, _OpenAIHandler  # noqa: E402

DATASET = "builtin:routing"
EXAMPLES = REPO / "examples" / "hybrid"
SPECS = {"gateway": "assistant.yaml", "fast": "distill-qwen-14b-custom-import.yaml", "reasoning": "r1-serverless.yaml"}
KEY = "standin-key-0123456789abcdef"  # the gateway's `backend` key, and the stand-ins' own key
UNKNOWN = "I only know the questions of builtin:routing."
MAX_OVERHEAD_REQUESTS = 500
MAX_SERVE_S = 8 * 3600.0
WARM_UP = 5  # requests through a fresh proxy before anything is measured


# -- the stand-in tiers -------------------------------------------------------------------------------------


def right_answer(prompt: Prompt) -> str:
    """An answer the dataset's own scorer takes as right: the reference, or for a regex its plain words."""
    text = prompt.answer or ""
    if prompt.match == "regex":
        text = re.sub(r"\(\?i\)|\\b", "", text)
    if eval_score.score(prompt, text) != 1.0:
        raise ValueError(f"no right answer derived for {prompt.text!r} ({prompt.match} {prompt.answer!r})")
    return text


def wrong_answer(prompt: Prompt) -> str:
    """A plausible answer the dataset's scorer takes as wrong: off by one for a number, else a shrug."""
    text = "unsure"
    if prompt.match == "numeric" and prompt.answer is not None:
        text = format(float(prompt.answer) + 1, "g")
    if eval_score.score(prompt, text) != 0.0:
        raise ValueError(f"no wrong answer derived for {prompt.text!r}")
    return text


def answer_books(dataset: str = DATASET) -> tuple[dict[str, str], dict[str, str], dict[str, bool]]:
    """From the dataset file: what "fast" answers (right when easy, wrong when hard), what "reasoning" answers
    (always right), and each prompt's `hard` mark."""
    data = eval_data.load(dataset, 0)
    if len(data.hard) != len(data.prompts):
        raise ValueError(f"{dataset} marks no prompt hard or easy")
    hard = {p.text: bool(h) for p, h in zip(data.prompts, data.hard, strict=True)}
    fast = {p.text: wrong_answer(p) if hard[p.text] else right_answer(p) for p in data.prompts}
    reasoning = {p.text: right_answer(p) for p in data.prompts}
    return fast, reasoning, hard


def _last_user(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content or "").strip()
    return ""


class _StandInHandler(_OpenAIHandler):
    fake: StandIn

    def _plan(self, body: dict[str, Any]) -> tuple[list[str], list[str], str]:
        words = self.fake.book.get(_last_user(body), UNKNOWN).split(" ")
        answer = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        reasoning = [f"r{i} " for i in range(self.fake.reasoning_tokens)]
        cap = body.get("max_completion_tokens") or body.get("max_tokens")
        if cap is not None and len(reasoning) + len(answer) > int(cap):
            reasoning = reasoning[: int(cap)]
            return reasoning, answer[: max(0, int(cap) - len(reasoning))], "length"
        return reasoning, answer, "stop"


@dataclass
class StandIn(FakeOpenAIServer):
    """The OpenAI fake answering each known prompt from `book` (the last user message is the key)."""

    book: dict[str, str] = field(default_factory=dict)

    handler = _StandInHandler


def stand_ins(dataset: str = DATASET) -> tuple[StandIn, StandIn, dict[str, bool]]:
    """The two tiers (not started) and the dataset's `hard` marks."""
    fast_book, reasoning_book, hard = answer_books(dataset)
    # fast: 19 reasoning tokens and a one-word answer; reasoning: 300 reasoning tokens then the answer.
    fast = StandIn(ttft_s=0.05, itl_s=0.002, reasoning_tokens=19, api_key=KEY, model="distill", book=fast_book)
    reasoning = StandIn(ttft_s=1.5, itl_s=0.002, reasoning_tokens=300, api_key=KEY, model="r1", book=reasoning_book)
    return fast, reasoning, hard


# -- the gateway ---------------------------------------------------------------------------------------------


def _tiers(fast: StandIn, reasoning: StandIn) -> list[gw.Tier]:
    from deepseek_deploy.stacks.measure.eval_metrics import price_of

    found = []
    for name, server, model, mode in (
        ("fast", fast, "distill-qwen-14b", "custom-import"),
        ("reasoning", reasoning, "deepseek-r1", "serverless"),
    ):
        price = price_of(model, mode)
        found.append(
            gw.Tier(
                name,
                "openai",
                server.model,
                api_base=server.base_url,
                api_key_env=f"{name.upper()}_KEY",
                price_in_per_mtok=price.input_per_1m if price else None,
                price_out_per_mtok=price.output_per_1m if price else None,
            )
        )
    return found


@contextlib.contextmanager
def gateway(
    folder: Path, fast: StandIn, reasoning: StandIn, threshold: float, guard: Optional[FakeGuardrail]
) -> Iterator[Proxy]:
    """The real LiteLLM proxy on 127.0.0.1 over the two stand-ins: classifier routing at `threshold`, a tier
    pinned by `x-deepseek-tier`, and the fake ApplyGuardrail when `guard` is given."""
    folder.mkdir(parents=True, exist_ok=True)
    tiers = _tiers(fast, reasoning)
    routing = gw.Routing("classifier", "fast", "reasoning", threshold, {"reasoning": ["fast"]}, header_override=True)
    guardrail = gw.Guardrail("gr-standin", "1", "us-west-2") if guard is not None else None
    path = deliver(
        folder,
        gw.litellm_config(tiers, routing, guardrail=guardrail, num_retries=0, request_timeout_s=60.0),
        gw.gateway_settings(tiers, routing, ["backend"], guardrail=guardrail),
    )
    env = base_env(
        LITELLM_MASTER_KEY=MASTER,
        FAST_KEY=KEY,
        REASONING_KEY=KEY,
        DEEPSEEK_GATEWAY_SETTINGS=str(folder / "gateway.json"),
        **{gw.key_env("backend"): KEY},
        **({"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": guard.url} if guard is not None else {}),
    )
    proxy = Proxy(path, env, folder / "litellm.log")
    try:
        proxy.wait_ready()
        yield proxy
    finally:
        proxy.stop()


# -- deploy eval ---------------------------------------------------------------------------------------------


def spec_copies(folder: Path) -> dict[str, str]:
    """The hybrid example specs copied into `folder` (calibration writes the threshold into the copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for role, name in SPECS.items():
        (folder / name).write_text((EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
        paths[role] = str(folder / name)
    return paths


def deploy_eval(*args: str) -> dict[str, Any]:
    """`deploy eval ARGS... --json` in this process: its JSON document (progress stays on stderr)."""
    from deepseek_deploy.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["eval", *args, "--json"])
    if code != 0:
        raise RuntimeError(f"deploy eval exited {code}: {out.getvalue()[-2000:]}")
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def evaluate(specs: dict[str, str], urls: dict[str, str], out: Path, concurrency: int) -> dict[str, Any]:
    """The gateway and both tiers side by side on builtin:routing."""
    args = [specs["gateway"], specs["fast"], specs["reasoning"], "--dataset", DATASET, "--out", str(out)]
    for role in ("gateway", "fast", "reasoning"):
        args += ["--endpoint", urls[role]]
    return deploy_eval(*args, "--api-key", KEY, "--concurrency", str(concurrency))


def calibrate(specs: dict[str, str], urls: dict[str, str], out: Path, concurrency: int) -> dict[str, Any]:
    """`--calibrate` on the copied gateway spec (its `threshold: auto` gets the number)."""
    args = [specs["gateway"], "--calibrate", "--dataset", DATASET, "--out", str(out), "--api-key", KEY]
    args += ["--endpoint", f"fast={urls['fast']}", "--endpoint", f"reasoning={urls['reasoning']}"]
    return deploy_eval(*args, "--concurrency", str(concurrency))


# -- overhead and AUROC ----------------------------------------------------------------------------------------


def _timed(url: str, prompt: str, headers: Optional[dict[str, str]] = None) -> float:
    started = time.perf_counter()
    status, answer_headers, _ = call(url, prompt, key=KEY, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{url}: HTTP {status}")
    if headers and answer_headers.get(gw.TIER_HEADER) != headers[gw.TIER_HEADER]:
        raise RuntimeError(f"{url}: served by {answer_headers.get(gw.TIER_HEADER)}, not the pinned tier")
    return elapsed


def overhead(gateway_url: str, tier: StandIn, tier_name: str, prompt: str, n: int) -> dict[str, float]:
    """Medians (ms) of N calls through the gateway pinned to the tier and N direct calls, interleaved so
    machine noise hits both, and their difference."""
    n = max(1, min(n, MAX_OVERHEAD_REQUESTS))
    through, direct = [], []
    for _ in range(n):
        through.append(_timed(gateway_url, prompt, {gw.TIER_HEADER: tier_name}))
        direct.append(_timed(tier.url, prompt))
    mine, theirs = statistics.median(through), statistics.median(direct)
    return {"n": n, "gateway_ms": mine, "direct_ms": theirs, "overhead_ms": mine - theirs}


def aurocs(hard: dict[str, bool], labels_path: Path) -> dict[str, Optional[float]]:
    """The shipped scorer's AUROC against the dataset's `hard` marks (proxy) and the stand-in labels."""
    prompts = list(hard)
    proxy = scorer.auroc([scorer.score(p) for p in prompts], [int(hard[p]) for p in prompts])
    rows = scorer.read_labelled(labels_path)
    try:
        stand_in: Optional[float] = scorer.auroc([scorer.score(p) for p, _ in rows], [y for _, y in rows])
    except ValueError:  # one label only
        stand_in = None
    return {"proxy_hard_marks": proxy, "stand_in_labels": stand_in, "stand_in_rows": float(len(rows))}


# -- the report ------------------------------------------------------------------------------------------------


@dataclass
class Report:
    markdown: str
    evaluation: dict[str, Any]  # `deploy eval --json` over the gateway (at --threshold) and both tiers
    calibration: dict[str, Any]  # `deploy eval GATEWAY --calibrate --json`
    calibrated: dict[str, Any]  # `deploy eval --json` again, the gateway at the calibrated threshold
    overhead: dict[str, dict[str, float]]  # "guardrail" / "no guardrail" -> overhead()
    auroc: dict[str, Optional[float]]
    hard: dict[str, bool]


def report(out: Path, *, threshold: float = 0.5, n: int = 50, concurrency: int = 8) -> Report:
    """Everything the markdown block says, measured: stand-ins and gateways up, evals run, all torn down."""
    fast, reasoning, hard = stand_ins()
    easy = next(p for p, h in hard.items() if not h)
    specs = spec_copies(out / "specs")
    with fast, reasoning, FakeGuardrail(blocked_words=("forbidden",)) as guard:
        urls = {"fast": fast.base_url, "reasoning": reasoning.base_url}
        with gateway(out / "gateway", fast, reasoning, threshold, guard) as front:
            overhead(front.url, fast, "fast", easy, WARM_UP)  # the proxy's first requests are slow: not measured
            evaluation = evaluate(specs, {**urls, "gateway": front.url}, out / "eval", concurrency)
            calibration = calibrate(specs, urls, out / "calibrate", concurrency)
            guarded = overhead(front.url, fast, "fast", easy, n)
        chosen = float(calibration["calibration"]["threshold"])
        with gateway(out / "gateway-calibrated", fast, reasoning, chosen, guard) as tuned:
            overhead(tuned.url, fast, "fast", easy, WARM_UP)
            calibrated = evaluate(specs, {**urls, "gateway": tuned.url}, out / "eval-calibrated", concurrency)
        with gateway(out / "gateway-plain", fast, reasoning, threshold, None) as plain:
            overhead(plain.url, fast, "fast", easy, WARM_UP)
            unguarded = overhead(plain.url, fast, "fast", easy, n)
    found = aurocs(hard, out / "calibrate" / LABELS_FILE)
    costs = {"guardrail": guarded, "no guardrail": unguarded}
    evals = [(f"--threshold {threshold:g}", evaluation), (f"the calibrated {chosen:g}", calibrated)]
    text = markdown(evals, calibration, costs, found, (len(hard), sum(hard.values())), concurrency)
    return Report(text, evaluation, calibration, calibrated, costs, found, hard)


def _n(value: Optional[float], fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


def markdown(
    evals: list[tuple[str, dict[str, Any]]],
    calibration: dict[str, Any],
    costs: dict[str, dict[str, float]],
    found: dict[str, Optional[float]],
    counts: tuple[int, int],
    concurrency: int,
) -> str:
    chosen = calibration["calibration"]
    tables = []
    for name, document in evals:
        rows = eval_report.markdown(document, None).split("\n")
        tables += [f"#### the gateway at {name}", "", *(r for r in rows if r.startswith("|")), ""]
    lines = [
        f"## Hybrid stand-in report ({DATASET}: {counts[0]} prompts, {counts[1]} marked hard)",
        "",
        "Stand-ins, not models: `fast` answers right exactly the prompts the dataset marks easy (50 ms to the "
        "first token, 20 tokens); `reasoning` answers all right (1.5 s to the first token, 300 reasoning tokens). "
        "The gateway is the real LiteLLM proxy (one worker) with this package's hooks, classifier routing with the "
        "shipped (unfitted) scorer, fake ApplyGuardrail. Prices: the catalog's for examples/hybrid (the "
        "custom-import fast tier bills per model unit, not per token: '-').",
        "",
        f"### deploy eval: gateway and both tiers (streamed, --concurrency {concurrency})",
        "",
        *tables,
        "### deploy eval --calibrate (stand-in tiers)",
        "",
        f"- chosen threshold: {chosen['threshold']:g} (target {chosen['target_quality']:g} of the strong tier's "
        f"quality; met: {chosen['met']})",
        "",
        "```",
        *eval_report.calibration_lines(chosen)[1:],
        "```",
        "",
        "### Routing overhead (gateway pinned to `fast` minus `fast` called directly, medians)",
        "",
        "One request at a time, not streamed, direct and gateway calls interleaved (the eval tables above are "
        f"streamed at --concurrency {concurrency}, so their gateway latency also holds queueing in one worker).",
        "",
        "| | requests | through the gateway ms | direct ms | overhead ms |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {c['n']:g} | {c['gateway_ms']:.1f} | {c['direct_ms']:.1f} | {c['overhead_ms']:.1f} |"
            for name, c in costs.items()
        ),
        "",
        "### The shipped (unfitted) scorer's AUROC",
        "",
        f'- {_n(found["proxy_hard_marks"])} against a PROXY label: "marked hard by the dataset\'s author" '
        "(not the fast-wrong/strong-right label)",
        f"- {_n(found['stand_in_labels'])} against the STAND-IN labels of the calibration's {LABELS_FILE} "
        f"({found['stand_in_rows']:g} rows; fast-wrong/strong-right, but from stand-ins that are wrong exactly on "
        "the hard marks, so the two agree by construction)",
    ]
    return "\n".join(lines) + "\n"


# -- the command -----------------------------------------------------------------------------------------------


def serve(folder: Path, threshold: float, seconds: float) -> None:
    """Stand-ins and the guarded gateway up until Ctrl-C (or `seconds`): its URL and key printed."""
    fast, reasoning, _ = stand_ins()
    with (
        fast,
        reasoning,
        FakeGuardrail(blocked_words=("forbidden",)) as guard,
        gateway(folder, fast, reasoning, threshold, guard) as front,
    ):
        print(f"gateway: {front.url}/v1   key: {KEY}", flush=True)
        print(f"fast stand-in: {fast.base_url}   reasoning stand-in: {reasoning.base_url}", flush=True)
        print(
            f"try: deploy chat examples/hybrid/assistant.yaml --endpoint {front.url}/v1 --api-key {KEY}",
            flush=True,
        )
        print(f"(Ctrl-C stops it; it stops by itself after {seconds:g} s)", flush=True)
        deadline = time.monotonic() + seconds
        with contextlib.suppress(KeyboardInterrupt):
            while time.monotonic() < deadline:
                time.sleep(0.5)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--threshold", type=float, default=0.5, help="the gateway's classifier threshold")
    parser.add_argument("--requests", type=int, default=50, help=f"overhead requests (at most {MAX_OVERHEAD_REQUESTS})")
    parser.add_argument("--concurrency", type=int, default=8, help="deploy eval --concurrency")
    parser.add_argument("--out", help="keep the eval files, specs and gateway logs here (default: a temp dir)")
    parser.add_argument("--serve", action="store_true", help="start the stand-ins and the gateway, and wait")
    parser.add_argument("--serve-for", type=float, default=3600.0, help=f"--serve: at most (<= {MAX_SERVE_S:g}) s")
    args = parser.parse_args(argv)
    if not 0 <= args.threshold <= 1:
        parser.error("--threshold: expected 0 to 1")
    with contextlib.ExitStack() as held:
        out = Path(args.out) if args.out else Path(held.enter_context(tempfile.TemporaryDirectory(prefix="standin-")))
        if args.serve:
            serve(out / "gateway", args.threshold, max(1.0, min(args.serve_for, MAX_SERVE_S)))
            return 0
        print(report(out, threshold=args.threshold, n=args.requests, concurrency=args.concurrency).markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`--calibrate`: the threshold a hand computation picks on the same data, its tie rules, the fit / held-out
split, and the write-back of the number in place of `threshold: auto` that keeps every other byte."""

from __future__ import annotations

import pytest
import yaml

from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.measure.eval_calibrate import (
    Sample,
    calibrate,
    calibrate_split,
    candidates,
    curve,
    find_auto,
    split,
    write_threshold,
)

# difficulty, fast right?, strong right?; the fast tier costs 1 per request, the strong one 10.
SIX = [
    Sample(0.1, 1, 1, 1, 10),
    Sample(0.2, 1, 1, 1, 10),
    Sample(0.4, 0, 1, 1, 10),
    Sample(0.6, 1, 1, 1, 10),
    Sample(0.8, 0, 1, 1, 10),
    Sample(0.9, 0, 0, 1, 10),
]
# By hand (a prompt goes to the strong tier when its difficulty is over the threshold); strong quality = 5/6:
#   threshold  0.0   0.1   0.2   0.4   0.6   0.8   0.9
#   quality    5/6   5/6   5/6   4/6   4/6   3/6   3/6
#   cost       10    8.5   7     5.5   4     2.5   1
HAND = [(0.0, 5 / 6, 10), (0.1, 5 / 6, 8.5), (0.2, 5 / 6, 7), (0.4, 4 / 6, 5.5), (0.6, 4 / 6, 4), (0.8, 0.5, 2.5)]
HAND.append((0.9, 0.5, 1))


def test_the_curve_matches_the_hand_table():
    assert candidates(SIX) == [0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9]
    assert [(p.threshold, pytest.approx(p.quality), pytest.approx(p.cost)) for p in curve(SIX)] == HAND


@pytest.mark.parametrize(
    ("target", "threshold"),
    [
        (0.95, 0.2),  # needs >= 0.792: 0.0, 0.1, 0.2 keep it; 0.2 is the cheapest
        (0.8, 0.6),  # needs >= 0.667: 0.4 and 0.6 also keep it (4/6); 0.6 is cheaper
        (0.5, 0.9),  # needs >= 0.417: everything does; all-fast is the cheapest
        (1.0, 0.2),
    ],
)
def test_the_pick_is_the_hand_pick(target, threshold):
    chosen = calibrate_split(SIX, [], target)
    assert chosen.threshold == threshold and chosen.met and chosen.held_out is None


def test_ties_go_to_higher_quality_then_lower_threshold():
    flat = [Sample(s.difficulty, s.fast_ok, s.strong_ok, 1, 1) for s in SIX]  # both tiers cost the same
    assert calibrate_split(flat, [], 0.5).threshold == 0.0  # every point costs 1: best quality (5/6), lowest threshold
    cheap_tie = [Sample(0.3, 0, 1, 1, 1), Sample(0.7, 1, 1, 1, 1)]  # 0.0 and 0.3 tie on cost and on quality
    assert calibrate_split(cheap_tie, [], 1.0).threshold == 0.0


def test_unreachable_target_takes_the_best_quality_and_says_so():
    never = [Sample(0.0, 0, 1, 1, 10), Sample(0.5, 1, 1, 1, 10)]  # 0.0 cannot send d=0.0 to the strong tier
    chosen = calibrate_split(never, [], 1.0)
    # both thresholds give 0.5 (the target is 1.0); the best quality ties, so the cheaper one (all fast) is taken
    assert not chosen.met and chosen.threshold == 0.5 and chosen.fit.quality == 0.5


def test_fit_on_one_split_report_on_the_held_out_one():
    held = [Sample(0.15, 0, 1, 1, 10), Sample(0.5, 1, 1, 1, 10)]
    chosen = calibrate_split(SIX, held, 0.95)
    # threshold 0.2 on the held-out prompts: 0.15 -> fast (wrong), 0.5 -> strong (right)
    assert chosen.threshold == 0.2 and chosen.held_out is not None
    assert (chosen.held_out.quality, chosen.held_out.cost, chosen.held_out.strong_share) == (0.5, 5.5, 0.5)
    assert chosen.strong_quality_held_out == 1.0


def test_the_split_is_seeded_and_a_partition():
    fit, held = split(10, seed=3)
    assert split(10, seed=3) == (fit, held) and sorted(fit + held) == list(range(10)) and len(fit) == 5
    everything = calibrate(SIX + SIX, 0.95, seed=3)
    fit_idx, held_idx = split(12, 3)
    assert everything == calibrate_split([(SIX + SIX)[i] for i in fit_idx], [(SIX + SIX)[i] for i in held_idx], 0.95)
    with pytest.raises(DeployError) as raised:
        calibrate_split(SIX, [], 1.5)
    assert raised.value.code == BAD_INPUT


SPEC = """\
# the front door of both tiers
kind: gateway
name: front
routing:
  strategy: classifier   # by difficulty
  threshold: auto   # fitted by deploy eval --calibrate
  default: fast
  escalate_to: strong
"""


def test_the_number_replaces_auto_and_every_comment_stays():
    line, column = find_auto(SPEC)
    assert (line, column) == (6, 14)
    written = write_threshold(SPEC, line, column, 0.6, "builtin:routing", "2026-12-01")
    assert written == SPEC.replace(
        "  threshold: auto   #",
        "  # threshold calibrated by `deploy eval --calibrate` on builtin:routing, 2026-12-01\n  threshold: 0.6   #",
    )
    assert yaml.safe_load(written)["routing"]["threshold"] == 0.6


def test_the_write_back_refuses_a_position_that_is_not_auto():
    with pytest.raises(DeployError, match="expected the value `auto`"):
        write_threshold(SPEC, 5, 14, 0.5, "d", "2026-12-01")
    with pytest.raises(DeployError, match="expected one `threshold: auto`"):
        find_auto(SPEC.replace("auto", "0.4"))
    quoted = write_threshold('threshold: "auto"\r\n', 1, 12, 0.33333, "d", "2026-12-01")
    assert quoted == "# threshold calibrated by `deploy eval --calibrate` on d, 2026-12-01\r\nthreshold: 0.3333\r\n"

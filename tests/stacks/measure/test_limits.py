"""The bench's size: concurrency levels, request counts and durations, and the caps that bound them."""

import pytest

from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.measure.limits import MAX_REQUESTS, parse_concurrency, plan_load


def test_concurrency_levels_are_distinct_and_ascending():
    assert parse_concurrency("16, 1,4,4") == (1, 4, 16)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1,x", "positive whole numbers"),
        ("0", "positive whole numbers"),
        ("", "positive whole numbers"),
        ("1,65", "at most 64"),
        ("1,2,3,4,5,6,7,8,9", "at most 8 levels"),
    ],
)
def test_bad_concurrency_is_bad_input(text, says):
    with pytest.raises(DeployError) as caught:
        parse_concurrency(text)
    assert caught.value.code == BAD_INPUT
    assert says in caught.value.message


def test_requests_are_split_over_clients_at_least_one_each():
    load = plan_load("1,4,16", requests=10, duration_s=None)
    assert [load.per_client(c) for c in load.levels] == [10, 3, 1]
    assert [load.planned(c) for c in load.levels] == [10, 12, 16]
    assert load.total_requests == 38


def test_default_is_a_small_request_bound_run():
    load = plan_load("1", requests=None, duration_s=None)
    assert load.requests == 32 and load.duration_s is None and load.max_tokens == 256


def test_a_timed_run_has_no_request_count():
    load = plan_load("2", requests=None, duration_s=30)
    assert load.per_client(2) is None and load.total_requests is None


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"requests": 10, "duration_s": 5.0}, "not both"),
        ({"requests": MAX_REQUESTS, "duration_s": None}, f"the cap is {MAX_REQUESTS}"),
        ({"requests": 0, "duration_s": None}, "at least 1"),
        ({"requests": None, "duration_s": 601.0}, "at most 600"),
        ({"requests": None, "duration_s": 0.0}, "more than 0"),
        ({"requests": 1, "duration_s": None, "max_tokens": 0}, "--max-tokens"),
        ({"requests": 1, "duration_s": None, "max_tokens": 9000}, "--max-tokens"),
    ],
)
def test_caps_stop_the_run_before_it_starts(kwargs, says):
    with pytest.raises(DeployError) as caught:
        plan_load("1,4", **kwargs)
    assert caught.value.code == BAD_INPUT
    assert says in caught.value.message

"""DeepSeek's chat template as text, and splitting raw text into reasoning and answer, whole or streamed."""

from __future__ import annotations

import pytest

from deepseek_deploy.stacks.call.answer import ANSWER, REASONING
from deepseek_deploy.stacks.call.conversation import ASSISTANT, USER, Turn
from deepseek_deploy.stacks.call.template import ThinkSplitter, r1_prompt, split


def test_one_turn_is_the_distills_generation_prompt():
    assert r1_prompt([Turn(USER, "What is 2+2?")]) == (
        "<\uff5cbegin\u2581of\u2581sentence\uff5c><\uff5cUser\uff5c>What is 2+2?<\uff5cAssistant\uff5c><think>\n"
    )


def test_system_prompt_and_history_drop_earlier_reasoning():
    turns = [Turn(USER, "hi"), Turn(ASSISTANT, "<think>\nhmm\n</think>\n\nHello!"), Turn(USER, "again")]
    assert r1_prompt(turns, system="Be brief.") == (
        "<｜begin▁of▁sentence｜>Be brief.<｜User｜>hi<｜Assistant｜>\n\nHello!<｜end▁of▁sentence｜>"
        "<｜User｜>again<｜Assistant｜><think>\n"
    )


def joined(pieces):
    out = {REASONING: "", ANSWER: ""}
    for kind, text in pieces:
        out[kind] += text
    return out


def test_a_whole_reply_splits_at_the_closing_tag():
    assert joined(split("Let me think.\n</think>\n\nFour.")) == {REASONING: "Let me think.\n", ANSWER: "\n\nFour."}


def test_a_reply_with_no_closing_tag_is_all_reasoning_when_the_prompt_opened_it():
    assert joined(split("still thinking")) == {REASONING: "still thinking", ANSWER: ""}


def test_an_opening_tag_at_the_start_opens_reasoning_when_the_prompt_did_not():
    assert joined(split("<think>a</think>b", in_think=False)) == {REASONING: "a", ANSWER: "b"}
    assert joined(split("plain answer <think> here", in_think=False)) == {
        REASONING: "",
        ANSWER: "plain answer <think> here",
    }


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_tags_cut_across_chunks_split_the_same_as_whole(size):
    text = "<think>reason</think>answer</think>tail"
    splitter = ThinkSplitter(in_think=False)
    pieces = []
    for start in range(0, len(text), size):
        pieces += splitter.feed(text[start : start + size])
    pieces += splitter.flush()
    assert joined(pieces) == joined(split(text, in_think=False)) == {REASONING: "reason", ANSWER: "answer</think>tail"}

"""The DeepSeek-R1 chat template as text, and the `<think>` splitter for models that answer in raw text.

Custom Model Import and the Marketplace containers take a *prompt string*, so the chat template is
applied here. The R1 distills (Llama- and Qwen-based alike) ship DeepSeek's own template in their
tokenizer_config.json: `bos_token` + system prompt, `<｜User｜>` + content per user turn,
`<｜Assistant｜>` + answer (the text after `</think>`, i.e. no reasoning) + `<｜end▁of▁sentence｜>`
per assistant turn, and `<｜Assistant｜><think>\\n` as the generation prompt. The bars are U+FF5C and
the "spaces" U+2581. Sources:
  https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Llama-8B/blob/main/tokenizer_config.json
  https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/blob/main/tokenizer_config.json
  (the Qwen distills replace Qwen's ChatML with this template and use the same bos token:
  https://zhuanlan.zhihu.com/p/23524663411; the `<think>\\n` generation prompt since the 2025-02
  update: https://hwb96.github.io/posts/deepseek-r1-chat-template-change-analysis)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

from .answer import ANSWER, REASONING, Recorder
from .conversation import ASSISTANT, USER, Turn

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER_TAG = "<｜User｜>"
ASSISTANT_TAG = "<｜Assistant｜>"
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


def r1_prompt(turns: Sequence[Turn], system: Optional[str] = None) -> str:
    """The prompt `tokenizer.apply_chat_template(messages, add_generation_prompt=True)` renders."""
    parts = [BOS, system or ""]
    for turn in turns:
        if turn.role == USER:
            parts.append(USER_TAG + turn.content)
        elif turn.role == ASSISTANT:
            parts.append(ASSISTANT_TAG + without_reasoning(turn.content) + EOS)
    parts.append(ASSISTANT_TAG + THINK_OPEN + "\n")
    return "".join(parts)


def without_reasoning(content: str) -> str:
    """The template keeps only what follows `</think>` of an earlier answer."""
    return content.split(THINK_CLOSE)[-1]


class ThinkSplitter:
    """Splits raw generated text into reasoning and answer as it streams in.

    `in_think` is True when the prompt already opened `<think>` (the R1 template does), so the text
    is reasoning until `</think>`. Otherwise a `<think>` at the very start opens it. A tag cut across
    two chunks is held back until the next chunk shows what it is.
    """

    def __init__(self, in_think: bool = True) -> None:
        self.kind = REASONING if in_think else ANSWER
        self.started = False  # any non-blank text seen yet (a `<think>` only counts at the start)
        self.closed = False
        self.held = ""

    def feed(self, text: str) -> list[tuple[str, str]]:
        self.held += text
        out: list[tuple[str, str]] = []
        while self.held:
            tag = self._looking_for()
            if tag is None:
                out.append((self.kind, self.held))
                self.held = ""
                break
            found = self.held.find(tag)
            end = found if found >= 0 else len(self.held) - _partial_suffix(self.held, tag)
            if tag == THINK_OPEN and self.held[:end].strip():
                self.started = True  # text came first: a later <think> is just text
                continue
            self._emit(out, self.held[:end])
            if found < 0:
                self.held = self.held[end:]
                break
            self.held = self.held[found + len(tag) :]
            self._switch(tag)
        return out

    def flush(self) -> list[tuple[str, str]]:
        held, self.held = self.held, ""
        return [(self.kind, held)] if held else []

    def _looking_for(self) -> Optional[str]:
        if self.kind == REASONING:
            return THINK_CLOSE
        if not self.started and not self.closed:
            return THINK_OPEN
        return None

    def _emit(self, out: list[tuple[str, str]], text: str) -> None:
        if text:
            if text.strip():
                self.started = True
            out.append((self.kind, text))

    def _switch(self, tag: str) -> None:
        if tag == THINK_CLOSE:
            self.kind, self.closed = ANSWER, True
        else:
            self.kind = REASONING
        self.started = True


def split(text: str, in_think: bool = True) -> Iterable[tuple[str, str]]:
    """A whole reply at once: the same split as streaming."""
    splitter = ThinkSplitter(in_think)
    return [*splitter.feed(text), *splitter.flush()]


def _partial_suffix(text: str, tag: str) -> int:
    """How many trailing characters of `text` could be the start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def pour(splitter: ThinkSplitter, recorder: Recorder, text: str) -> None:
    """Raw generated text into the recorder, split into reasoning and answer."""
    for kind, piece in splitter.feed(text):
        recorder.add(kind, piece)


def drain(splitter: ThinkSplitter, recorder: Recorder) -> None:
    """The end of the reply: what the splitter still held, and the end time."""
    for kind, piece in splitter.flush():
        recorder.add(kind, piece)
    recorder.finish()

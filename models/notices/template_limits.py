"""A jinja2 sandbox whose templates can neither run long nor grow large (the e-mail templates).

jinja2's sandbox keeps a template away from Python's internals, but not from work: a nested
loop, a recursive macro or `"x" * 10**9` would stall the worker that renders it for every
notice. Here every step a template can repeat is checked against the render's budget (a
deadline, and a number of characters written): each loop step, call, filter, operator and
piece of output, including output captured by `{% set %}` blocks and macros. What could build
a large value (`*`, `**`, `+`, a join, a replace, a call's arguments) is checked before it is
built; `%` formatting of text (`"%999999999d"`) and the string methods that pad or repeat are
not available. Templates cannot include, import or extend others (there is nothing to load).
"""

import contextvars
import functools
import time
from collections.abc import Mapping

from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# A part may write at most this many characters: a bill's e-mail is a few kilobytes, and
# Gmail clips a message past 102 KB, so 100 000 leaves room for any real template.
MAX_OUTPUT_CHARS = 100_000
# Characters written while rendering, output captured by macros and {% set %} blocks included
# (a macro's text is written twice: inside, then where it is used).
MAX_WRITTEN_CHARS = 4 * MAX_OUTPUT_CHARS
MAX_INT_BITS = 4096  # a number no bill needs (10**1233); caps `**` and `*` of numbers
_PREFIX = "_mail_"  # the names of our helpers; a template may not use or shadow them
_GROWING_METHODS = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map", "join", "replace"}
)
# Filters whose result is no larger than a few times their input; join and replace are bounded
# below. Left out: center, indent, wordwrap and format (they pad), and the few that print
# Python reprs or markup (pprint, tojson, urlize, xmlattr, ...); random (not repeatable).
_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "forceescape", "groupby", "int", "items", "join", "last", "length", "list", "lower", "map",
    "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
    "selectattr", "sort", "string", "striptags", "sum", "title", "trim", "truncate", "unique",
    "upper", "wordcount",
)  # fmt: skip
_REFUSED_TAGS = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
}


class RenderLimit(Exception):
    """The template went past its render budget (time or size)."""


class _Budget:
    # The time is this thread's CPU time: a render's own work, whatever else the machine (or
    # the worker's other threads) is doing meanwhile, so a busy machine never fails a template.
    def __init__(self, seconds: float, written: int):
        self.seconds, self.deadline = seconds, time.thread_time() + seconds
        self.written = written

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise RenderLimit(f"takes longer than {self.seconds:g} s to render")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("_budget", default=None)


def _tick() -> None:
    budget = _budget.get()
    if budget is not None and time.thread_time() > budget.deadline:
        budget.tick()


def size(value, limit: int = MAX_OUTPUT_CHARS) -> int:
    """Characters `value` takes as text (containers: their items'), counting no further than
    just past `limit` (a list of many references to one long string is never printed)."""
    if type(value) is str or isinstance(value, str | bytes):  # the common case first
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = 2
        for item in value:
            total += size(item, limit) + 2
            if total > limit:
                break
        return total
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return limit + 1
    return 8  # numbers, None, macros, Markup-less objects: short when printed


def _fits(value, what: str = "a value") -> None:
    if size(value) > MAX_OUTPUT_CHARS:
        raise RenderLimit(f"{what} would be longer than {MAX_OUTPUT_CHARS} characters")


def _sized(value):
    _tick()
    _fits(value)
    return value


def _emit(value):
    """Every piece of output goes through here: counted, and the clock checked."""
    budget = _budget.get()
    if budget is not None:
        budget.tick()
        budget.written -= size(value, MAX_WRITTEN_CHARS)
        if budget.written < 0:
            raise RenderLimit(f"writes more than {MAX_WRITTEN_CHARS} characters")
    return value


def _steps(iterable):
    """A loop's items, the clock checked at each."""
    for item in iterable:
        _tick()
        yield item


_HELPERS = (_emit, _steps, _sized)


def _bounded_filter(original):
    @functools.wraps(original)  # keeps jinja's pass_context / pass_eval_context marker
    def bounded(*args, **kwargs):
        _tick()
        for argument in (*args, *kwargs.values()):
            _fits(argument, "a filter's argument")
        return _sized(original(*args, **kwargs))

    return bounded


def _join_checked(original):
    @functools.wraps(original)
    def join(eval_ctx, value, d="", attribute=None):
        items = list(value)
        _fits(items)
        if len(d) * max(len(items) - 1, 0) > MAX_OUTPUT_CHARS:
            raise RenderLimit(f"a join would be longer than {MAX_OUTPUT_CHARS} characters")
        return original(eval_ctx, items, d, attribute)

    return join


def _replace_checked(original):
    @functools.wraps(original)
    def replace(eval_ctx, s, old, new, count=None):
        text, old, new = str(s), str(old), str(new)
        found = text.count(old) if old else len(text) + 1
        if count is not None and count >= 0:
            found = min(found, count)
        if len(text) + found * len(new) > MAX_OUTPUT_CHARS:
            raise RenderLimit(f"a replace would be longer than {MAX_OUTPUT_CHARS} characters")
        return original(eval_ctx, s, old, new, count)

    return replace


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox (immutable: a template cannot grow a list in place), with the checks."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, autoescape: bool):
        super().__init__(undefined=StrictUndefined, autoescape=autoescape)
        self.filters = {name: self.filters[name] for name in _FILTERS}
        self.filters["join"] = _join_checked(self.filters["join"])
        self.filters["replace"] = _replace_checked(self.filters["replace"])
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.globals = {
            "range": self.globals["range"],
            "dict": dict,
            f"{_PREFIX}emit": _emit,
            f"{_PREFIX}steps": _steps,
            f"{_PREFIX}sized": _sized,
        }

    def is_safe_attribute(self, obj, attr: str, value) -> bool:
        if isinstance(obj, str) and attr in _GROWING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context, __obj, *args, **kwargs):
        if __obj in _HELPERS:  # ours, on every output and loop: they check for themselves
            return __obj(*args)
        _tick()
        for argument in (*args, *kwargs.values()):
            _fits(argument, "an argument")
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left, right):
        _tick()
        _check_binop(operator, left, right)
        return _sized(super().call_binop(context, operator, left, right))


def _check_binop(operator: str, left, right) -> None:
    if operator == "%" and isinstance(left, str):
        raise RenderLimit("formatting text with % is not allowed; join text with ~")
    if isinstance(left, int) and isinstance(right, int):  # a bool is an int too
        bits = right * left.bit_length() if operator == "**" and abs(left) > 1 else 0
        if operator == "*":
            bits = left.bit_length() + right.bit_length()
        if bits > MAX_INT_BITS:
            raise RenderLimit(f"a number larger than {MAX_INT_BITS} bits")
    elif operator == "*" and isinstance(left, int) != isinstance(right, int):
        sequence, times = (left, right) if isinstance(right, int) else (right, left)
        if size(sequence) * max(times, 0) > MAX_OUTPUT_CHARS:
            raise RenderLimit(f"a repetition longer than {MAX_OUTPUT_CHARS} characters")
    elif operator == "+" and size(left) + size(right) > MAX_OUTPUT_CHARS:
        raise RenderLimit(f"a sum longer than {MAX_OUTPUT_CHARS} characters")


def refusal(tree: nodes.Template) -> str | None:
    """Why this template cannot be used (an include, a name of ours), or None."""
    for node_type, tag in _REFUSED_TAGS.items():
        if tree.find(node_type) is not None:
            return f"{{% {tag} %}} is not allowed: e-mail templates stand alone"
    for name in tree.find_all(nodes.Name):
        if name.name.startswith(_PREFIX):
            return f"the name {name.name!r} is reserved"
    return None


def instrument(tree: nodes.Template) -> nodes.Template:
    """The template with every output, loop and `~` going through the budget's checks."""
    for concat in list(tree.find_all(nodes.Concat)):  # its result, before it is used
        concat.nodes = [_helper_call("sized", nodes.Concat(concat.nodes))]
    for loop in tree.find_all(nodes.For):
        loop.iter = _helper_call("steps", loop.iter)
    for output in tree.find_all(nodes.Output):
        output.nodes = [_helper_call("emit", child) for child in output.nodes]
    return tree


def _helper_call(name: str, node: nodes.Node) -> nodes.Call:
    call = nodes.Call(nodes.Name(f"{_PREFIX}{name}", "load"), [node], [], None, None)
    return call.set_lineno(node.lineno or 1)


def render(template, context: dict, seconds: float, max_chars: int) -> str:
    """`template` (compiled in a BoundedEnvironment) rendered within `seconds` and
    `max_chars` characters; RenderLimit otherwise."""
    token = _budget.set(_Budget(seconds, MAX_WRITTEN_CHARS))
    try:
        text = template.render(context)
    finally:
        _budget.reset(token)
    if len(text) > max_chars:
        raise RenderLimit(f"is longer than {max_chars} characters")
    return text

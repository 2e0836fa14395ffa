"""What graded notebooks call: plain-sentence checks for learners, points for hidden tests.

*Visible checks* (``check_*``) run in the learner's own notebook, in the test cell under each
answer. When the answer is malformed or still the placeholder they raise ``NotYet`` with one
sentence saying exactly what to type; when it is well formed they print ``OK: ...``. They never
raise anything else, whatever the answer holds. ``NotYet`` shows as that one sentence in
JupyterLab and in ``nbgrader validate``, never as a Python stack, and still counts as a failed
test, so a blank notebook does not validate.

*Scoring functions* (``score_*``, ``roleplay_points``) are the last line of the hidden tests:
they return the points earned, a float from 0 to ``points``, which nbgrader records as partial
credit. They compare exact built-in types (a ``str`` subclass is not text, a ``dict`` subclass
is not a dictionary) and never call a method of an answer before its type is checked. A
malformed answer earns 0; they never raise.

``friendly_answers()``, called by each notebook's setup cell, does the same for answers that are
not Python at all: a missing quote or bracket, curly quotes pasted from a word processor, a
word without quotes.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable

from servicecourse.roleplay import pathcodes
from servicecourse.roleplay.engine import play_letters
from servicecourse.roleplay.scenario import ScenarioError, load_by_id

# What a learner's answer holds before they answer (the release's placeholders).
PLACEHOLDERS = frozenset({"", "?", "...", "paste your path code here", "your answer here"})
OUTCOME_SHARE = {"good": 1.0, "mixed": 0.5, "poor": 0.0}


class NotYet(AssertionError):
    """An answer that is malformed or still the placeholder; the message says what to type.

    An AssertionError, so nbgrader counts the test as failed; ``_render_traceback_`` makes
    IPython (JupyterLab, nbgrader validate) show only the sentence.
    """

    def __init__(self, sentence: str):
        super().__init__(f"Not yet: {sentence}")

    def _render_traceback_(self) -> list[str]:
        return [str(self.args[0])]


class Unreadable:
    """What an answer cell that is not valid Python leaves in its variable (friendly_answers)."""

    def __init__(self, sentence: str):
        self.sentence = sentence

    def __repr__(self) -> str:
        return "<an answer that could not be read>"


# ---------------------------------------------------------------------------------------------
# Describing answers safely


def _type_name(value) -> str:
    try:
        name = type(value).__name__
        return name if type(name) is str else "object"
    except Exception:
        return "object"


def _shown(value) -> str:
    """A short, safe description of what the learner wrote (never the object's own repr)."""
    kind = type(value)
    if kind is str:
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if value is None or value is Ellipsis or kind in (bool, float):
        return "..." if value is Ellipsis else repr(value)
    if kind is int:
        return repr(value) if value.bit_length() < 64 else "a very long number"
    described = {list: "a list", dict: "a dictionary", tuple: "a tuple in round brackets",
                 set: "a set", Unreadable: "an answer that could not be read"}
    return described.get(kind, f"a {_type_name(value)} object")


def _quoted(options: Iterable[str], last: str = "or") -> str:
    items = [f'"{option}"' for option in options]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _placeholder(value) -> bool:
    return (value is Ellipsis or value is None
            or (type(value) is str and value.strip().lower() in PLACEHOLDERS))


def _unreadable(value, name: str) -> None:
    if type(value) is Unreadable:
        raise NotYet(f"the answer cell of {name} is not readable yet: {value.sentence}")


def _visible(check):
    """Make ``check`` (which returns the OK sentence) print it, and turn any surprise into NotYet."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs) -> None:
        try:
            message = check(*args, **kwargs)
        except NotYet:
            raise
        except Exception:
            raise NotYet("this answer could not be read. Put the answer line back as it was at "
                         "the start, then change only what is between the quotes.") from None
        print(f"OK: {message}")

    return wrapper


def _letters_list(answer, name: str, options: list[str], example: str) -> list[str]:
    """The learner's list of option letters, or NotYet saying what is wrong with it."""
    _unreadable(answer, name)
    if type(answer) is not list:
        raise NotYet(f"{name} must stay a list between square brackets, each letter between "
                     f"quotes, like {name} = {example}; you wrote {_shown(answer)}.")
    if not answer:
        raise NotYet(f"the list is still empty: type your letters between the square brackets, "
                     f"each between quotes and separated by commas, like {name} = {example}.")
    letters = []
    for item in answer:
        if type(item) is not str:
            raise NotYet(f"each letter must be between quotes, like \"{options[0]}\"; "
                         f"{_shown(item)} is not.")
        letter = item.strip()
        if letter not in options:
            hint = (f' Use the capital letter "{letter.upper()}".'
                    if letter.upper() in options else "")
            if len(letter) > 1 and all(char in options for char in letter):
                hint = (" A comma is missing between two letters: write each letter between "
                        "its own quotes, separated by commas.")
            raise NotYet(f"{_shown(item)} is not one of the options {_quoted(options)}.{hint}")
        if letter in letters:
            raise NotYet(f'"{letter}" appears twice: list each letter once.')
        letters.append(letter)
    return letters


def _clean_dict(answer) -> dict[str, str]:
    """The exact-str items of an exact dict, stripped (iterating never calls learner code)."""
    return {key.strip(): value.strip() for key, value in list(answer.items())
            if type(key) is str and type(value) is str}


# ---------------------------------------------------------------------------------------------
# Visible checks


@_visible
def check_text(answer, name: str = "answer") -> str:
    """Is ``answer`` some text between quotes, not left as the placeholder?"""
    _unreadable(answer, name)
    if type(answer) is not str:
        raise NotYet(f"{name} must be text between quotes, like {name} = \"Sam\"; "
                     f"you wrote {_shown(answer)}.")
    if _placeholder(answer):
        raise NotYet(f"replace the ? with your answer, keeping the quotes, like {name} = \"Sam\".")
    return f"{name} is some text."


@_visible
def check_one_of(answer, options: Iterable[str], name: str = "answer") -> str:
    """Is ``answer`` one of ``options`` (letters like "ABCD", or words), between quotes?"""
    options = list(options)
    example = f'{name} = "{options[0]}"'
    _unreadable(answer, name)
    if type(answer) is not str:
        raise NotYet(f"{name} must be one of {_quoted(options)}, between quotes, like {example}; "
                     f"you wrote {_shown(answer)}.")
    choice = answer.strip()
    if _placeholder(answer):
        raise NotYet(f"replace the ? with one of {_quoted(options)}, keeping the quotes, "
                     f"like {example}.")
    if choice not in options:
        capital = [o for o in options if o.lower() == choice.lower()]
        if capital:
            raise NotYet(f'write it exactly as the option is written: {name} = "{capital[0]}".')
        raise NotYet(f"{_shown(answer)} is not one of the options; write one of "
                     f"{_quoted(options)}, like {example}.")
    return f"{name} is one of the options. Your mark comes when the trainer grades the notebook."


@_visible
def check_mapping(answer, keys: Iterable[str], allowed: Iterable[str], name: str = "answer") -> str:
    """Does ``answer`` give each statement in ``keys`` exactly one value from ``allowed``?"""
    keys, allowed = list(keys), list(allowed)
    example = "{" + ", ".join(f'"{k}": "?"' for k in keys[:2]) + ", ...}"
    _unreadable(answer, name)
    if type(answer) is not dict:
        raise NotYet(f"{name} must stay a dictionary between curly braces, like {name} = "
                     f"{example}; you wrote {_shown(answer)}. Put the braces back as they were.")
    if any(type(key) is not str for key in list(answer)):
        raise NotYet(f"each letter on the left must stay between quotes, like \"{keys[0]}\": ...")
    if any(type(value) is not str for value in list(answer.values())):
        odd = next(v for v in list(answer.values()) if type(v) is not str)
        raise NotYet(f"each answer on the right must be between quotes, like \"{keys[0]}\": "
                     f"\"{allowed[0]}\"; {_shown(odd)} is not.")
    given = _clean_dict(answer)
    problems = [f'statement "{key}" is missing (keep every letter: {_quoted(keys, "and")})'
                for key in keys if key not in given]
    problems += [f'"{key}" is not one of the statements {_quoted(keys, "and")}'
                 for key in given if key not in keys]
    unanswered = [key for key in keys if key in given and _placeholder(given[key])]
    if unanswered:
        where = "each ?" if len(unanswered) == len(keys) else f"the ? beside {_quoted(unanswered, 'and')}"
        problems.append(f"replace {where} with one of {_quoted(allowed)}, in quotes")
    for key in keys:
        value = given.get(key)
        if value is None or _placeholder(value) or value in allowed:
            continue
        close = [a for a in allowed if a.lower() == value.lower()]
        problems.append(f'"{key}": {_shown(value)} is not one of the answers; write '
                        + (f'"{close[0]}" exactly' if close else f"one of {_quoted(allowed)}"))
    if problems:
        raise NotYet("; ".join(problems[:3]) + ".")
    return f"every statement of {name} has one of the answers."


@_visible
def check_letters(answer, options: Iterable[str], name: str = "answer") -> str:
    """Is ``answer`` a non-empty list of distinct letters from ``options`` (choose all that apply)?"""
    options = list(options)
    letters = _letters_list(answer, name, options, f'["{options[0]}", "{options[2]}"]')
    return f"{name} lists {len(letters)} of the {len(options)} options."


@_visible
def check_order(answer, items: Iterable[str], name: str = "answer") -> str:
    """Is ``answer`` a list holding every letter of ``items`` exactly once (an ordering)?"""
    items = list(items)
    letters = _letters_list(answer, name, items, "[" + ", ".join(f'"{i}"' for i in items) + "]")
    missing = [item for item in items if item not in letters]
    if missing:
        raise NotYet(f"the list needs all {len(items)} letters, each once: "
                     f"{_quoted(missing, 'and')} {'is' if len(missing) == 1 else 'are'} missing.")
    return f"all {len(items)} letters of {name} are there, each once."


@_visible
def check_path_code(code, scenario_id: str, name: str = "path_code") -> str:
    """Is ``code`` a path code of ``scenario_id`` that replays to an ending?"""
    parsed, ending, title = _replayed(code, scenario_id, name)
    message = f"the path code replays to the ending '{ending.title}' ({ending.outcome} outcome)."
    if parsed.attempt is None:
        message += (f" This is a practice code. Only the code the course app on the hub gives "
                    f"for your first complete play of '{title}' earns points.")
    elif parsed.attempt != 1:
        message += (f" It is from attempt {parsed.attempt}: only the code of your first "
                    f"complete play (attempt 1) earns points.")
    return message


def _replayed(code, scenario_id: str, name: str = "path_code"):
    """(PathCode, Ending, scenario title) for a well-formed code; NotYet with the reason if not."""
    try:
        scenario = load_by_id(scenario_id)
    except ScenarioError:
        raise NotYet(f"the role-play '{scenario_id}' cannot be found: tell your trainer.") from None
    _unreadable(code, name)
    if type(code) is not str:
        raise NotYet(f"put the path code between quotes, like {name} = \"{scenario_id}/...\"; "
                     f"you wrote {_shown(code)}.")
    if _placeholder(code):
        raise NotYet(f"paste between the quotes the path code the course app showed at the end "
                     f"of your first complete play of '{scenario.title}'.")
    if len(code) > 200:
        raise NotYet(f"this is far longer than a path code: paste only the code the course app "
                     f"shows at the end of '{scenario.title}', like \"{scenario_id}/ABCA/1-K3QZ7M2XPA\".")
    try:
        parsed = pathcodes.parse(code.strip(), scenario_id)
    except pathcodes.PathCodeError as error:
        raise NotYet(f"this is not a path code of '{scenario.title}' yet: {str(error)[:300]}") from None
    try:
        play = play_letters(scenario, parsed.letters)
    except pathcodes.PathCodeError as error:
        raise NotYet(f"the code does not describe a complete play of '{scenario.title}' ({error}); "
                     f"copy it exactly as the course app shows it at the end.") from None
    return parsed, play.ending, scenario.title


# ---------------------------------------------------------------------------------------------
# Scoring functions for hidden tests


def _points(points: float, share) -> float:
    """``points`` times ``share()`` (0..1), as a float; 0.0 if ``share`` fails or is out of range."""
    try:
        value = float(share())
        points = float(points)
    except Exception:
        return 0.0
    if not 0.0 <= value <= 1.0 or not points >= 0.0:  # also refuses NaN
        return 0.0
    return points if value == 1.0 else round(points * value, 6)  # full marks exactly


def score_text(answer, points: float) -> float:
    """All ``points`` for some text that is not the placeholder, else 0."""
    return _points(points, lambda: float(type(answer) is str and not _placeholder(answer)))


def score_choice(answer, key: str, points: float, partial: dict[str, float] | None = None) -> float:
    """All ``points`` for the keyed option; a partly right option earns its share of them.

    ``partial`` maps an option to the fraction of ``points`` it earns (e.g. ``{"D": 0.5}``).
    """
    def share():
        if type(answer) is not str:
            return 0.0
        choice = answer.strip()
        return 1.0 if choice == key else float((partial or {}).get(choice, 0.0))
    return _points(points, share)


def score_mapping(answer, key: dict[str, str], points: float) -> float:
    """Each statement scores on its own: ``points`` times the share of statements matched right."""
    def share():
        if type(answer) is not dict:
            return 0.0
        given = _clean_dict(answer)
        return sum(given.get(statement) == value for statement, value in key.items()) / len(key)
    return _points(points, share)


def score_letters(answer, key: Iterable[str], options: Iterable[str], points: float) -> float:
    """Choose-all-that-apply, each option judged on its own.

    An option earns its share (``points / len(options)``) when it is selected and keyed, or left
    out and not keyed. An empty list is no answer and earns 0, and so does a malformed one.
    """
    key, options = set(key), list(options)

    def share():
        chosen = _letter_set(answer, options)
        if not chosen:
            return 0.0
        return sum((option in chosen) == (option in key) for option in options) / len(options)
    return _points(points, share)


def score_order(answer, key: list[str], points: float) -> float:
    """An ordering scored by pairs: ``points`` times ``max(0, 2p - 1)``, p the share of pairs right.

    Every pair of items (there are n(n-1)/2) counts as right when the answer puts them in the
    key's relative order. A fully right order earns all the points, the reverse order none;
    since a random order gets half the pairs right on average, an order no better than chance
    (p <= 0.5) earns 0 (this is Kendall's tau, floored at 0). Swapping two neighbours in a list
    of five costs a fifth of the points. A list that is not every item exactly once earns 0.
    """
    def share():
        if type(answer) is not list or not all(type(item) is str for item in answer):
            return 0.0
        given = [item.strip() for item in answer]
        if sorted(given) != sorted(key) or len(set(given)) != len(given):
            return 0.0
        position = {item: given.index(item) for item in key}
        pairs = [(a, b) for i, a in enumerate(key) for b in key[i + 1:]]
        right = sum(position[a] < position[b] for a, b in pairs) / len(pairs)
        return max(0.0, 2 * right - 1)
    return _points(points, share)


def _letter_set(answer, options: list[str]) -> set[str]:
    """The distinct option letters of a well-formed list answer, or an empty set."""
    if type(answer) is not list or not all(type(item) is str for item in answer):
        return set()
    given = [item.strip() for item in answer]
    if len(set(given)) != len(given) or not set(given) <= set(options):
        return set()
    return set(given)


def roleplay_points(code, scenario_id: str, points: float) -> float:
    """Points for a role-play path code: a good ending earns all, a mixed one half, a poor one 0.

    Inside the trusted grader (``pathcodes.current_grader()`` is not None) the code must also be
    signed by the course app for the learner being graded and be their first complete play
    (attempt 1); otherwise it earns 0 and a "Not yet" sentence says why (printed, not raised).
    """
    try:
        parsed, ending, title = _replayed(code, scenario_id)
        grader = pathcodes.current_grader()
        if grader is not None:
            learner, key = grader
            if parsed.attempt is None or parsed.signature is None:
                raise NotYet(f"this is a practice code; only the code the course app on the hub "
                             f"gave for your first complete play of '{title}' earns points.")
            if not pathcodes.signature_ok(key, learner, parsed):
                raise NotYet("this code was not given to you by the course app (its signature "
                             "does not match your account), so it earns no points.")
            if parsed.attempt != 1:
                raise NotYet(f"this code is from attempt {parsed.attempt}; only your first "
                             f"complete play (attempt 1) earns points.")
    except NotYet as sentence:
        print(sentence.args[0])
        return 0.0
    except Exception:
        print("Not yet: this path code could not be checked, so it earns no points.")
        return 0.0
    return _points(points, lambda: OUTCOME_SHARE.get(ending.outcome, 0.0))


# ---------------------------------------------------------------------------------------------
# Answers that are not Python


_BRACKETS = {"[": "square bracket [", "{": "curly brace {", "(": "round bracket ("}


def _syntax_advice(error: SyntaxError) -> str:
    """What to type instead, for the SyntaxError of an answer line."""
    line, message = error.lineno or 1, error.msg or ""
    if "“" in (error.text or "") or "”" in (error.text or "") or re.search(r"U\+201[89CD]", message):
        return (f"line {line}: the quotes are curly quotes (“ ” or ‘ ’) from a word processor; "
                f"type plain quotes from the keyboard instead, like \"B\".")
    if "unterminated" in message or "EOL while scanning" in message:
        return (f"line {line}: a quote is missing (or there is one too many); put each answer "
                f"between exactly two quotes, like \"B\".")
    opened = re.search(r"'([\[{(])' was never closed", message)
    if opened:
        return (f"line {line}: a {_BRACKETS[opened.group(1)]} is opened but never closed; "
                f"put the closing one back at the end, as it was.")
    if "unmatched" in message or "does not match" in message:
        return f"line {line}: there is a bracket too many; keep the brackets as they were at the start."
    if "':' expected" in message or "cannot assign to literal" in message:
        return (f"line {line}: put a colon between each letter and its answer, like "
                f"\"A\": \"B\", with commas between the pairs.")
    if "forgot a comma" in message or re.search(r"[\"']\s+[\"']", error.text or ""):
        return f"line {line}: a comma is missing between two answers; separate them with commas."
    if "indent" in message:
        return f"line {line}: remove the spaces at the start of the line."
    return (f"line {line} does not read as an answer yet: keep the name, the = sign, the quotes "
            f"and the brackets as they were, and change only what is between the quotes, like \"B\".")


def _friendly_cell(lines: list[str]) -> list[str]:
    """An IPython input transformer: a cell that is not valid Python raises NotYet instead."""
    source = "".join(lines)
    try:
        ast.parse(source)
    except SyntaxError as error:
        sentence = _syntax_advice(error)
    except Exception:  # ValueError (a NUL byte), MemoryError, RecursionError
        sentence = "this cell cannot be read: put the answer line back as it was at the start."
    else:
        return lines
    module = "__import__('servicecourse.checks', fromlist=['NotYet'])"
    name = re.match(r"\s*([A-Za-z_]\w*)\s*[:=]", source)
    out = [f"{name.group(1)} = {module}.Unreadable({sentence!r})\n"] if name else []
    return out + [f"raise {module}.NotYet({sentence!r})\n"]


def _friendly_name_error(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: a NameError becomes a NotYet sentence (still an error)."""
    word = getattr(value, "name", None)
    word = word if type(word) is str else "this word"
    shell.showtraceback((NotYet, NotYet(
        f"Python does not know the word {word}. If it is part of your answer, put the answer "
        f"between quotes, like \"{word}\"; if this cell is a check, first run the cells above "
        f"it (menu Run > Run All Above Selected Cell)."), None))


def friendly_answers() -> None:
    """Make answers that are not Python show a "Not yet" sentence instead of a traceback.

    In IPython (JupyterLab, nbgrader): a cell that does not parse (a missing quote, a bracket
    not closed, curly quotes) raises ``NotYet`` with advice for its line, and its variable holds
    an ``Unreadable`` so the check below says the same; a ``NameError`` (a word typed without
    quotes) shows a sentence too. Both still count as errors. Outside IPython, does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if _friendly_cell not in shell.input_transformers_post:
        shell.input_transformers_post.append(_friendly_cell)
    shell.set_custom_exc((NameError,), _friendly_name_error)

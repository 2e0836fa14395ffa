"""Role-play scenarios: load a YAML file, validate it completely, return plain dataclasses.

A scenario is data, never code. Loading reports *every* problem at once, each with the file,
the line and the reason, so an author can fix a file in one pass. A YAML syntax error inside an
unclosed quote, ``[`` or ``{`` is reported at the line where that construct began, with the line
where the parser gave up (which can be many lines later).

Optional key ``scores``: ``debrief`` (the default: during play a choice shows its consequence and
the first sentence of its feedback; scores and full feedback wait for the debrief) or
``immediate`` (scores shown at each choice); it becomes ``Scenario.show_scores``.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from servicecourse.articles import ARTICLES
from servicecourse.course import SCENARIOS
from servicecourse.roleplay.serve_model import DIMENSIONS, SCORE_MAX, SCORE_MIN

OUTCOMES = ("good", "mixed", "poor")
SCORE_DISPLAYS = ("debrief", "immediate")


@dataclass(frozen=True)
class Choice:
    """One reply the learner can pick: its feedback, its SERVE score and where it leads."""

    text: str
    feedback: str
    score: dict[str, int]
    next: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Beat:
    """What the other person says or does, and the replies offered to the learner."""

    id: str
    speaker: str
    text: str
    choices: tuple[Choice, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Ending:
    """A way the conversation ends; ``outcome`` is good, mixed or poor."""

    id: str
    title: str
    text: str
    outcome: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Scenario:
    """A whole role-play: metadata, the beat graph and its endings."""

    id: str
    title: str
    role: str
    article: str
    setting: str
    start: str
    beats: dict[str, Beat]
    endings: dict[str, Ending]
    expert: str
    show_scores: bool = False
    source: Path | None = field(default=None, compare=False)

    def node(self, node_id: str) -> Beat | Ending:
        """Return the beat or ending called ``node_id``."""
        return self.beats.get(node_id) or self.endings[node_id]


class ScenarioError(ValueError):
    """A scenario file has problems; ``problems`` lists them as ``file:line: reason``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings remember the line of each key (1-based)."""


class _Mapping(dict):
    line: int = 0
    key_lines: dict


def _construct_mapping(loader, node):
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value
    }
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _FastLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """`_LineLoader` on libyaml, ten times faster (every role-play app kernel loads every
    scenario); a file it refuses is read again with `_LineLoader` for its error message."""


_FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Collects problems while reading one parsed file."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[tuple[int, str]] = []

    def problem(self, line: int, reason: str) -> None:
        self.problems.append((line, reason))

    def line_of(self, mapping, key=None) -> int:
        if key is not None and isinstance(mapping, _Mapping) and key in mapping.key_lines:
            return mapping.key_lines[key]
        return getattr(mapping, "line", 1)

    def text(self, mapping, key: str, where: str) -> str:
        """Return a required, non-empty string field, recording a problem if it is not one."""
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if value is None:
            self.problem(self.line_of(mapping), f"{where}: missing '{key}'")
            return ""
        if not isinstance(value, (str, int, float)) or not str(value).strip():
            self.problem(self.line_of(mapping, key), f"{where}: '{key}' must be non-empty text")
            return ""
        return str(value).strip()

    def mapping(self, parent, key: str, where: str) -> dict:
        value = parent.get(key)
        if not isinstance(value, dict) or not value:
            self.problem(self.line_of(parent, key if key in parent else None),
                         f"{where}: '{key}' must be a non-empty mapping")
            return {}
        return value

    def score(self, choice, where: str) -> dict[str, int]:
        raw = choice.get("score")
        if not isinstance(raw, dict):
            self.problem(self.line_of(choice), f"{where}: missing 'score' on the SERVE dimensions")
            return {d: 0 for d in DIMENSIONS}
        for name in raw:
            if name not in DIMENSIONS:
                self.problem(self.line_of(raw, name),
                             f"{where}: unknown SERVE dimension '{name}' "
                             f"(expected {', '.join(DIMENSIONS)})")
        score = {}
        for name in DIMENSIONS:
            value = raw.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                self.problem(self.line_of(raw, name), f"{where}: score '{name}' must be a whole number")
                value = 0
            elif not SCORE_MIN <= value <= SCORE_MAX:
                self.problem(self.line_of(raw, name),
                             f"{where}: score '{name}' is {value}, outside {SCORE_MIN}..{SCORE_MAX}")
            score[name] = value
        return score


def _parse(path: Path, data, check: _Checker) -> Scenario | None:
    if not isinstance(data, dict):
        check.problem(1, "the file must be a YAML mapping with id, title, beats and endings")
        return None
    meta = {key: check.text(data, key, "scenario")
            for key in ("id", "title", "role", "article", "setting", "start", "expert")}
    if meta["id"] and meta["id"] != path.stem:
        check.problem(check.line_of(data, "id"),
                      f"scenario: id '{meta['id']}' must match the file name '{path.stem}.yaml'")
    if meta["article"] and meta["article"] not in ARTICLES:
        check.problem(check.line_of(data, "article"),
                      f"scenario: unknown article '{meta['article']}' (expected one of {', '.join(ARTICLES)})")
    scores = data.get("scores", "debrief")
    if scores not in SCORE_DISPLAYS:
        check.problem(check.line_of(data, "scores"),
                      f"scenario: scores '{scores}' must be one of {', '.join(SCORE_DISPLAYS)}")

    endings = {}
    for ending_id, raw in check.mapping(data, "endings", "scenario").items():
        where = f"ending '{ending_id}'"
        if not isinstance(raw, dict):
            check.problem(check.line_of(data["endings"], ending_id), f"{where}: must be a mapping")
            continue
        outcome = check.text(raw, "outcome", where)
        if outcome and outcome not in OUTCOMES:
            check.problem(check.line_of(raw, "outcome"),
                          f"{where}: outcome '{outcome}' must be one of {', '.join(OUTCOMES)}")
        endings[str(ending_id)] = Ending(str(ending_id), check.text(raw, "title", where),
                                         check.text(raw, "text", where), outcome,
                                         check.line_of(data["endings"], ending_id))

    beats, lines = {}, {}
    for beat_id, raw in check.mapping(data, "beats", "scenario").items():
        where = f"beat '{beat_id}'"
        lines[str(beat_id)] = check.line_of(data["beats"], beat_id)
        if not isinstance(raw, dict):
            check.problem(lines[str(beat_id)], f"{where}: must be a mapping")
            continue
        if beat_id in endings:
            check.problem(lines[str(beat_id)], f"{where}: an ending has the same id")
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            check.problem(check.line_of(raw), f"{where}: needs a non-empty list of 'choices'")
            raw_choices = []
        choices = []
        for number, raw_choice in enumerate(raw_choices, start=1):
            cwhere = f"{where}, choice {number}"
            if not isinstance(raw_choice, dict):
                check.problem(check.line_of(raw, "choices"), f"{cwhere}: must be a mapping")
                continue
            choices.append(Choice(check.text(raw_choice, "text", cwhere),
                                  check.text(raw_choice, "feedback", cwhere),
                                  check.score(raw_choice, cwhere),
                                  check.text(raw_choice, "next", cwhere),
                                  check.line_of(raw_choice)))
            target = choices[-1].next
            if target and target not in data.get("beats", {}) and target not in endings:
                check.problem(check.line_of(raw_choice, "next"),
                              f"{cwhere}: leads to '{target}', which is neither a beat nor an ending")
        beats[str(beat_id)] = Beat(str(beat_id), check.text(raw, "speaker", where),
                                   check.text(raw, "text", where), tuple(choices),
                                   lines[str(beat_id)])

    if meta["start"] and beats and meta["start"] not in beats:
        check.problem(check.line_of(data, "start"), f"scenario: start '{meta['start']}' is not a beat")
    _check_graph(beats, endings, meta["start"], lines, data, check)
    return Scenario(beats=beats, endings=endings, show_scores=scores == "immediate",
                    source=path, **meta)


def _check_graph(beats, endings, start, lines, data, check: _Checker) -> None:
    """Every beat and ending is reachable from the start; every beat can reach an ending."""
    if start not in beats:
        return
    edges = {b.id: {c.next for c in b.choices if c.next in beats or c.next in endings}
             for b in beats.values()}
    reached, queue = {start}, deque([start])
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for beat_id in beats:
        if beat_id not in reached:
            check.problem(lines[beat_id], f"beat '{beat_id}': cannot be reached from the start")
    for ending_id in endings:
        if ending_id not in reached:
            check.problem(check.line_of(data["endings"], ending_id),
                          f"ending '{ending_id}': cannot be reached from the start")
    finishing = set(endings)
    changed = True
    while changed:
        changed = False
        for beat_id, targets in edges.items():
            if beat_id not in finishing and targets & finishing:
                finishing.add(beat_id)
                changed = True
    for beat_id in beats:
        if beat_id in reached and beat_id not in finishing:
            check.problem(lines[beat_id], f"beat '{beat_id}': no way from here leads to an ending")


# PyYAML's context for a construct that stays open until its closing character.
_UNCLOSED = {
    "while scanning a quoted scalar": "unclosed quote",
    "while parsing a flow sequence": "unclosed [ bracket",
    "while parsing a flow mapping": "unclosed { brace",
}


def _syntax_error(error: yaml.YAMLError) -> str:
    """``line: reason`` for a YAML error, at the line where an unclosed construct began."""
    problem = getattr(error, "problem", None) or str(error)
    noticed = getattr(error, "problem_mark", None)
    began = getattr(error, "context_mark", None)
    context = getattr(error, "context", None)
    noticed_line = noticed.line + 1 if noticed else 1
    if began is not None and context in _UNCLOSED:
        return (f"{began.line + 1}: YAML syntax error: {_UNCLOSED[context]} that begins here "
                f"(the parser noticed at line {noticed_line}: {problem})")
    if began is not None and context:
        where = context.removeprefix("while ").replace("parsing ", "").replace("scanning ", "")
        return (f"{noticed_line}: YAML syntax error: {problem} "
                f"(in {where} that begins at line {began.line + 1})")
    return f"{noticed_line}: YAML syntax error: {problem}"


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; raise ScenarioError listing every problem.

    The file is read every time, but parsed only when its text is new to this process: the
    grader's checks, the apps and the tests ask for the same role-plays hundreds of times, and
    parsing one (with its line numbers) costs tens of milliseconds. The Scenario returned is
    then shared: it is frozen, and nothing may change the dicts it holds."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read the file ({error.strerror})"]) from None
    return _parsed(path, text)


@functools.lru_cache(maxsize=128)
def _parsed(path: Path, text: str) -> Scenario:
    """The scenario ``text`` read from ``path`` holds (a ScenarioError is raised, never kept)."""
    try:
        try:
            data = yaml.load(text, Loader=_FastLineLoader)
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_LineLoader)  # the error, as the pure-Python parser words it
    except yaml.YAMLError as error:
        raise ScenarioError([f"{path}:{_syntax_error(error)}"]) from None
    check = _Checker(path)
    scenario = _parse(path, data, check)
    if check.problems or scenario is None:
        raise ScenarioError([f"{path}:{line}: {reason}" for line, reason in sorted(check.problems)])
    return scenario


def load_all(folder: str | Path | None = None) -> dict[str, Scenario]:
    """Load every ``*.yaml`` scenario in ``folder``, keyed by scenario id."""
    folder = Path(folder) if folder else SCENARIOS
    scenarios = [load_scenario(path) for path in sorted(folder.glob("*.yaml"))]
    return {scenario.id: scenario for scenario in scenarios}


def load_by_id(scenario_id: str, folder: str | Path | None = None) -> Scenario:
    """Load the scenario whose id is ``scenario_id`` (its file is ``<id>.yaml``)."""
    folder = Path(folder) if folder else SCENARIOS
    return load_scenario(folder / f"{scenario_id}.yaml")

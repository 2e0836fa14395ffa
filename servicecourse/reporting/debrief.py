"""The debrief statistics of a cohort's role-plays, as plain data: the trainer debrief draws them.

For each role-play the cohort played in the course app, the numbers come from the cohort's
record of complete plays (`servicecourse.cohort.evidence`): each learner's **first** complete play (the
graded one, made before any practice), how many attempts learners made, and per beat which
replies the cohort chose there, how many learners reached it and how many plays passed through
it counting replays. So the trainer sees the mistakes first attempts make, not the paths
learners finally learnt.

No learner is named, and no beat or ending that fewer than the cohort's ``debrief_min_group``
learners reached is shown (`servicecourse.policy`, 5 by default): "fewer than 5 learners
reached this point" stands in its place, so no one's path can be read off the counts.

The codes learners handed in with a module (the cell with nbgrader grade id ``roleplay_path``
of ``submitted/<learner>/<module>/*.ipynb``, read with `ast`, never run) are a second source:
counted by kind (a first play's graded code, a later play's, a code signed for someone else or
forged, a practice code, an unreadable one), never used for the statistics.
"""

from __future__ import annotations

import ast
import statistics
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from servicecourse.cohort import evidence
from servicecourse.course import SCENARIOS
from servicecourse.policy import PolicyWarning, cohort_policy
from servicecourse.roleplay import pathcodes
from servicecourse.roleplay.engine import PathCodeError, Roleplay, play_letters
from servicecourse.roleplay.scenario import Beat, Choice, Scenario, ScenarioError, load_by_id

GRADE_ID = "roleplay_path"
VARIABLE = "path_code"
PLACEHOLDER = "paste your path code here"
DEFAULT_MIN_GROUP = 5


# --- the codes handed in (second source) --------------------------------------------------------

def path_code_in(source: str) -> str | None:
    """The text a cell assigns to ``path_code``, read with `ast` (the cell is never run).

    The last top-level assignment wins, as it would when the cell runs. Returns None when the
    cell assigns nothing to ``path_code``. A cell that is not valid Python, or that assigns
    something other than a string literal, gives its own text back, which no scenario accepts,
    so it is counted as an invalid code.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    value: ast.expr | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, assigned = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value:
            targets, assigned = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == VARIABLE for t in targets):
            value = assigned
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return ast.get_source_segment(source, value) or ast.unparse(value)


def roleplay_cell(notebook_path: str | Path):
    """The ``roleplay_path`` cell of a notebook, or None."""
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == GRADE_ID:
            return cell
    return None


def _strings(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def module_roleplay(folder: str | Path, module: str, known: set[str] | None = None) -> str | None:
    """The scenario id of a module's graded role-play, read from the cohort's source notebook:
    the first text in its role-play cells that names a scenario (a code or the id itself)."""
    known = known if known is not None else {p.stem for p in SCENARIOS.glob("*.yaml")}
    for notebook in sorted((Path(folder) / "source" / module).glob("*.ipynb")):
        try:
            cells = nbformat.read(notebook, as_version=4).cells
        except Exception:  # an unreadable source notebook names no role-play
            continue
        for cell in cells:
            grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
            if cell.get("cell_type") != "code" or not grade_id.startswith("roleplay"):
                continue
            for text in _strings(cell.source):
                if text.split("/")[0] in known:
                    return text.split("/")[0]
    return None


def roleplay_modules(folder: str | Path) -> dict[str, str]:
    """Every module of a cohort with a graded role-play, in course order: ``{module: scenario id}``."""
    from servicecourse.course import course_order

    modules = course_order(p.name for p in (Path(folder) / "source").glob("*") if p.is_dir())
    found = {module: module_roleplay(folder, module) for module in modules}
    return {module: scenario for module, scenario in found.items() if scenario}


def submitted_codes(folder: str | Path, module: str) -> dict[str, str | None]:
    """The path code (None: no code) each learner handed in with ``module``, by learner id.

    A notebook that cannot be read gives a text no scenario accepts (an invalid code).
    """
    codes: dict[str, str | None] = {}
    for learner_dir in sorted((Path(folder) / "submitted").glob(f"*/{module}")):
        notebooks = sorted(learner_dir.glob("*.ipynb"))
        if not notebooks:
            continue
        code = None
        for notebook in notebooks:
            try:
                cell = roleplay_cell(notebook)
            except Exception:  # a corrupted notebook is the learner's problem, not the debrief's
                code = "<unreadable notebook>"
                break
            if cell is not None:
                code = path_code_in(cell.source)
                break
        codes[learner_dir.parent.name] = code
    return codes


HANDED_IN_KINDS = ("first play", "later play", "signed for someone else or forged", "practice",
                   "invalid", "no code")


def handed_in_kind(code: str | None, learner: str, scenario: Scenario | None, key: bytes | None) -> str:
    """What a handed-in code is (one of ``HANDED_IN_KINDS``), for the learner who handed it in."""
    if code is None or not code.strip() or code.strip() == PLACEHOLDER:
        return "no code"
    if scenario is None:
        return "invalid"
    try:
        parsed = pathcodes.parse(code, scenario.id)
        play_letters(scenario, parsed.letters)
    except PathCodeError:
        return "invalid"
    if not parsed.graded:
        return "practice"
    if key is None or not pathcodes.signature_ok(key, learner, parsed):
        return "signed for someone else or forged"
    return "first play" if parsed.attempt == 1 else "later play"


# --- the statistics -----------------------------------------------------------------------------

@dataclass
class RoleplayDebrief:
    """What a cohort did in one role-play: first plays, every play, attempts, what was handed in."""

    scenario_id: str
    scenario: Scenario | None
    min_group: int = DEFAULT_MIN_GROUP
    module: str | None = None
    first: list[Roleplay] = field(default_factory=list)   # each learner's first complete play
    plays: list[Roleplay] = field(default_factory=list)   # every complete play, replays too
    attempts: list[int] = field(default_factory=list)     # complete plays per learner, sorted
    stale: int = 0  # recorded plays that no longer fit the role-play as it is now
    handed_in: Counter | None = None  # HANDED_IN_KINDS -> learners (a module's role-play only)

    @property
    def learners(self) -> int:
        """Learners with a first play that fits the role-play."""
        return len(self.first)

    @property
    def known(self) -> Scenario:
        """The scenario, for statistics that need it (only asked of a debrief that has one)."""
        if self.scenario is None:
            raise ValueError(f"the role-play {self.scenario_id} cannot be loaded")
        return self.scenario


def analyse(scenario_id: str, scenario: Scenario | None, records: list[evidence.Attempt],
            min_group: int = DEFAULT_MIN_GROUP, module: str | None = None) -> RoleplayDebrief:
    """Replay a role-play's recorded plays: first plays by learner, all plays, attempts."""
    result = RoleplayDebrief(scenario_id, scenario, min_group, module)
    mine = sorted((a for a in records if a.scenario == scenario_id), key=lambda a: (a.learner, a.attempt))
    by_learner: dict[str, list[evidence.Attempt]] = {}
    for attempt in mine:
        by_learner.setdefault(attempt.learner, []).append(attempt)
    result.attempts = sorted(len(attempts) for attempts in by_learner.values())
    if scenario is None:
        result.stale = len(mine)
        return result
    for attempts in by_learner.values():
        for attempt in attempts:
            try:
                play = play_letters(scenario, attempt.letters)
            except PathCodeError:
                result.stale += 1
                continue
            result.plays.append(play)
            if attempt is attempts[0] and attempt.attempt == 1:
                result.first.append(play)
    return result


def total(choice: Choice) -> int:
    """The sum of a choice's SERVE scores: negative means the reply does harm."""
    return sum(choice.score.values())


def _counts(plays: list[Roleplay], scenario: Scenario) -> dict[str, list[int]]:
    counts = {beat_id: [0] * len(beat.choices) for beat_id, beat in scenario.beats.items()}
    for play in plays:
        for step in play.history:
            counts[step.beat.id][step.index] += 1
    return counts


def choice_counts(debrief: RoleplayDebrief) -> dict[str, list[int]]:
    """For every beat (scenario order), how many learners took each choice on their first play."""
    return _counts(debrief.first, debrief.known)


def reached(debrief: RoleplayDebrief) -> dict[str, int]:
    """For every beat, how many learners reached it on their first play."""
    return {beat_id: sum(counts) for beat_id, counts in choice_counts(debrief).items()}


def attempt_counts(debrief: RoleplayDebrief) -> dict[str, int]:
    """For every beat, how many complete plays passed through it, replays included."""
    return {beat_id: sum(counts) for beat_id, counts in _counts(debrief.plays, debrief.known).items()}


def ending_counts(debrief: RoleplayDebrief) -> dict[str, int]:
    """For every ending (scenario order), how many learners reached it on their first play."""
    hits = Counter(play.ending.id for play in debrief.first if play.ending)
    return {ending_id: hits[ending_id] for ending_id in debrief.known.endings}


def shown(count: int, debrief: RoleplayDebrief) -> bool:
    """Whether a beat or ending that ``count`` learners reached may be shown (the minimum group)."""
    return count >= debrief.min_group


@dataclass(frozen=True)
class TroubleSpot:
    """A shown beat where most learners who reached it took a reply with a negative SERVE total."""

    beat: Beat
    reached: int
    harmful: int
    choice: int  # the harmful reply taken most often (0-based)
    choice_count: int


def trouble_spots(debrief: RoleplayDebrief) -> list[TroubleSpot]:
    """The shown beats where more than half of the learners who got there (first plays) chose a
    harmful reply; most learners gone wrong first, then in scenario order."""
    spots = []
    for beat_id, counts in choice_counts(debrief).items():
        beat = debrief.known.beats[beat_id]
        count = sum(counts)
        harmful = {i: n for i, n in enumerate(counts) if total(beat.choices[i]) < 0}
        if shown(count, debrief) and 2 * sum(harmful.values()) > count:
            worst = max(harmful, key=lambda i: (harmful[i], -i))
            spots.append(TroubleSpot(beat, count, sum(harmful.values()), worst, harmful[worst]))
    order = list(debrief.known.beats)
    return sorted(spots, key=lambda s: (-s.harmful, order.index(s.beat.id)))


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, in the plural unless ``n`` is 1."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def hidden_text(debrief: RoleplayDebrief) -> str:
    """What stands in place of a beat or ending too few learners reached."""
    return f"fewer than {debrief.min_group} learners reached this point"


def attempts_text(attempts: list[int]) -> str:
    """"4 learners played it once, 2 twice, 1 three times or more"."""
    if not attempts:
        return "No complete play recorded yet."
    groups = ((sum(1 for n in attempts if n == 1), "once"), (sum(1 for n in attempts if n == 2), "twice"),
              (sum(1 for n in attempts if n >= 3), "three times or more"))
    parts = [f"{n} {label}" for n, label in groups if n]
    return f"Complete plays per learner: {', '.join(parts)} (median {statistics.median(attempts):g})."


def summary_lines(debrief: RoleplayDebrief) -> list[str]:
    """Short sentences for the live discussion: who played, attempts, endings, where it went wrong."""
    lines = [f"{plural(debrief.learners, 'learner')} played this role-play to an end in the "
             f"course app ({plural(len(debrief.plays), 'complete play')} in all, replays included)."]
    if debrief.stale:
        lines.append(f"{plural(debrief.stale, 'recorded play')} no longer fit the role-play as it "
                     "is now (it was changed since) and are left out.")
    lines.append(attempts_text(debrief.attempts))
    if debrief.handed_in is not None:
        kinds = [f"{debrief.handed_in[kind]} {kind}" for kind in HANDED_IN_KINDS if debrief.handed_in[kind]]
        lines.append(f"Codes handed in with module {debrief.module}: "
                     + ("; ".join(kinds) if kinds else "none yet") + ".")
    if not debrief.first:
        return lines + ["No first play to show yet."]
    if not shown(debrief.learners, debrief):
        return lines + [f"Fewer than {debrief.min_group} learners played it, so no beat is shown "
                        "(no one's path can be read off the counts)."]
    endings = debrief.known.endings
    counts = ending_counts(debrief)
    parts = [f"{n} reached \u201c{endings[e].title}\u201d ({endings[e].outcome})"
             for e, n in sorted(counts.items(), key=lambda kv: -kv[1]) if shown(n, debrief)]
    hidden = sum(1 for n in counts.values() if 0 < n < debrief.min_group)
    if hidden:
        parts.append(f"{plural(hidden, 'other ending')}: {hidden_text(debrief)}")
    lines.append("Endings of first plays: " + ("; ".join(parts) or hidden_text(debrief)) + ".")
    spots = trouble_spots(debrief)
    if not spots:
        lines.append("No beat shown where most learners took a reply that does harm (negative SERVE total).")
    for spot in spots:
        choice = spot.beat.choices[spot.choice]
        lines.append(f"Went wrong at \u201c{beat_name(spot.beat)}\u201d: {spot.harmful} of the "
                     f"{spot.reached} who got there chose a reply that does harm; most often "
                     f"{pathcodes.LETTERS[spot.choice]} {_quoted(choice.text)} "
                     f"({plural(spot.choice_count, 'learner')}).")
    return lines


def _quoted(text: str) -> str:
    """``text`` in quotation marks, unless it is already quoted speech."""
    return text if text.startswith(('"', "\u201c")) else f"\u201c{text}\u201d"


def beat_name(beat: Beat) -> str:
    """A beat's id as words ("repeat_request" -> "repeat request")."""
    return beat.id.replace("_", " ").replace("-", " ")


def min_group(folder: str | Path) -> tuple[int, str]:
    """The cohort's minimum group for the debrief, and a note when its policy is the course's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PolicyWarning)  # said in the note instead
        policy = cohort_policy(folder)
    return policy.debrief_min_group, policy.note


def cohort_debriefs(folder: str | Path) -> tuple[list[RoleplayDebrief], list[str]]:
    """The debrief of every role-play of a cohort (its modules' role-plays in course order, then
    any other played in the app, by title) and notes on what could not be used."""
    folder = Path(folder)
    group, note = min_group(folder)
    notes = [note] if note else []
    records, unreadable = evidence.attempts(folder)
    if unreadable:
        notes.append(f"{plural(unreadable, 'line')} of {evidence.record_path(folder)} could not be read "
                     "and are left out.")
    modules = roleplay_modules(folder)
    ids = list(dict.fromkeys([*modules.values(), *sorted({a.scenario for a in records})]))
    module_of = {scenario_id: module for module, scenario_id in reversed(list(modules.items()))}
    key = _key(folder)
    debriefs = []
    for scenario_id in ids:
        try:
            scenario = load_by_id(scenario_id)
        except ScenarioError:
            scenario = None
            notes.append(f"The role-play {scenario_id} cannot be loaded, so its plays cannot be replayed.")
        debrief = analyse(scenario_id, scenario, records, group, module_of.get(scenario_id))
        if debrief.module:
            debrief.handed_in = Counter(handed_in_kind(code, learner, scenario, key) for learner, code
                                        in submitted_codes(folder, debrief.module).items())
        debriefs.append(debrief)
    modular = [d for d in debriefs if d.module]
    others = sorted((d for d in debriefs if not d.module), key=lambda d: title(d))
    return modular + others, notes


def _key(folder: Path) -> bytes | None:
    """The cohort's key if it exists (the debrief never makes one)."""
    if not evidence.key_path(folder).exists():
        return None
    try:
        return evidence.roleplay_key(folder)
    except evidence.EvidenceError:
        return None


def title(debrief: RoleplayDebrief) -> str:
    """The role-play's title, or its id when it cannot be loaded."""
    return debrief.scenario.title if debrief.scenario else debrief.scenario_id

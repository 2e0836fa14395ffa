"""The trainer's debrief of a cohort's role-plays (Voila app ``apps/debrief.ipynb``).

For each graded module with a role-play, read the path code every learner handed in (the cell
with nbgrader grade id ``roleplay_path`` in ``submitted/<learner>/<module>/*.ipynb``), replay
the valid ones through the engine, and show per beat how many learners took each choice, which
endings they reached and where most of them took a harmful reply. Only counts are kept: no
learner id or name leaves `submitted_codes`.

Notebooks are data here: a code is read from the cell with `ast`, never executed.
"""

from __future__ import annotations

import ast
import html
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from servicecourse.charts import BAD, GOOD, plt
from servicecourse.dashboard import _STYLE as _DASHBOARD_STYLE
from servicecourse.dashboard import PICKER_STYLE, assemble, cohort_frame, image
from servicecourse.engine import PathCodeError, Roleplay, replay
from servicecourse.paths import course_order
from servicecourse.scenario import Beat, Choice, Scenario, ScenarioError, load_by_id

GRADE_ID = "roleplay_path"
VARIABLE = "path_code"
PLACEHOLDER = "paste your path code here"
INVALID, NO_CODE = "invalid code", "no code given"
NEUTRAL = "#9e9e9e"
OUTCOME_COLOURS = {"good": GOOD, "mixed": "#ef6c00", "poor": BAD}


# --- reading the codes --------------------------------------------------------------------------

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
    value = None
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        if any(isinstance(t, ast.Name) and t.id == VARIABLE for t in targets):
            value = node.value
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


def module_roleplay(folder: str | Path, module: str) -> tuple[str, str] | None:
    """``(scenario id, placeholder)`` of a module, read from the cohort's source notebook.

    The source cell first assigns the placeholder the learners see, then (inside the
    solution region) the instructor's code, whose first part is the scenario id. None when the
    module has no role-play cell.
    """
    for notebook in sorted((Path(folder) / "source" / module).glob("*.ipynb")):
        cell = roleplay_cell(notebook)
        if cell is None:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            return None
        texts = [node.value.value for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                 and isinstance(node.value.value, str)
                 and any(isinstance(t, ast.Name) and t.id == VARIABLE for t in node.targets)]
        if not texts:
            return None
        return texts[-1].split("/")[0], texts[0] if len(texts) > 1 else PLACEHOLDER
    return None


def roleplay_modules(folder: str | Path) -> dict[str, tuple[str, str]]:
    """Every module of a cohort with a role-play, in course order: ``{module: (scenario, placeholder)}``."""
    modules = course_order(p.name for p in (Path(folder) / "source").glob("*") if p.is_dir())
    found = {}
    for module in modules:
        info = module_roleplay(folder, module)
        if info:
            found[module] = info
    return found


def submitted_codes(folder: str | Path, module: str) -> list[str | None]:
    """The path code (or None: no code) of each learner who handed in ``module``, sorted.

    One entry per learner folder in ``submitted/``; learner ids are not returned and the order
    says nothing about who gave which code. A notebook
    that cannot be read counts as an invalid code.
    """
    codes = []
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
        codes.append(code)
    return sorted(codes, key=lambda c: (c is None, c or ""))


# --- the analysis -------------------------------------------------------------------------------

@dataclass
class Debrief:
    """What a cohort did in one role-play: the valid plays and how many codes were unusable."""

    module: str
    scenario: Scenario | None
    plays: list[Roleplay] = field(default_factory=list)
    invalid: int = 0
    no_code: int = 0

    @property
    def learners(self) -> int:
        """Learners who handed the module in."""
        return len(self.plays) + self.invalid + self.no_code


def analyse(module: str, scenario: Scenario | None, codes: list[str | None],
            placeholder: str = PLACEHOLDER) -> Debrief:
    """Replay each code through ``scenario``; count the ones left blank and the invalid ones."""
    result = Debrief(module, scenario)
    for code in codes:
        if code is None or not code.strip() or code.strip() == placeholder:
            result.no_code += 1
            continue
        if scenario is None:
            result.invalid += 1
            continue
        try:
            result.plays.append(replay(scenario, code))
        except PathCodeError:
            result.invalid += 1
    return result


def total(choice: Choice) -> int:
    """The sum of a choice's SERVE scores: negative means the reply does harm."""
    return sum(choice.score.values())


def choice_counts(debrief: Debrief) -> dict[str, list[int]]:
    """For every beat (scenario order), how many learners took each of its choices."""
    counts = {beat_id: [0] * len(beat.choices) for beat_id, beat in debrief.scenario.beats.items()}
    for play in debrief.plays:
        for step in play.history:
            counts[step.beat.id][step.index] += 1
    return counts


def ending_counts(debrief: Debrief) -> dict[str, int]:
    """For every ending (scenario order), how many learners reached it."""
    reached = Counter(play.ending.id for play in debrief.plays)
    return {ending_id: reached[ending_id] for ending_id in debrief.scenario.endings}


@dataclass(frozen=True)
class TroubleSpot:
    """A beat where most learners who reached it took a reply with a negative SERVE total."""

    beat: Beat
    reached: int
    harmful: int
    choice: int  # the harmful reply taken most often (0-based)
    choice_count: int


def trouble_spots(debrief: Debrief) -> list[TroubleSpot]:
    """The beats where more than half of the learners who got there chose a harmful reply.

    Sorted by how many learners went wrong there (most first), then in scenario order.
    """
    spots = []
    for beat_id, counts in choice_counts(debrief).items():
        beat = debrief.scenario.beats[beat_id]
        reached = sum(counts)
        harmful = {i: n for i, n in enumerate(counts) if total(beat.choices[i]) < 0}
        if reached and 2 * sum(harmful.values()) > reached:
            worst = max(harmful, key=lambda i: (harmful[i], -i))
            spots.append(TroubleSpot(beat, reached, sum(harmful.values()), worst, harmful[worst]))
    order = list(debrief.scenario.beats)
    return sorted(spots, key=lambda s: (-s.harmful, order.index(s.beat.id)))


def _letter(index: int) -> str:
    return "ABCDEFGHIJ"[index]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_lines(debrief: Debrief) -> list[str]:
    """Short sentences for the live discussion: who handed in, endings, where it went wrong."""
    lines = [f"{_plural(debrief.learners, 'learner')} handed in this module: "
             f"{_plural(len(debrief.plays), 'valid path code')}, "
             f"{_plural(debrief.invalid, INVALID)}, {debrief.no_code} without a code."]
    if not debrief.plays:
        return lines + ["No valid path code yet, so there is nothing to replay."]
    endings = debrief.scenario.endings
    reached = [f"{n} reached \u201c{endings[e].title}\u201d ({endings[e].outcome})"
               for e, n in sorted(ending_counts(debrief).items(), key=lambda kv: -kv[1]) if n]
    lines.append("Endings: " + "; ".join(reached) + ".")
    spots = trouble_spots(debrief)
    if not spots:
        lines.append("No beat where most learners took a reply that does harm (negative SERVE total).")
    for spot in spots:
        choice = spot.beat.choices[spot.choice]
        lines.append(f"Went wrong at \u201c{_beat_name(spot.beat)}\u201d: {spot.harmful} of the "
                     f"{spot.reached} who got there chose a reply that does harm; "
                     f"most often {_letter(spot.choice)} "
                     f"{_quoted(choice.text)} ({_plural(spot.choice_count, 'learner')}).")
    return lines


def _quoted(text: str) -> str:
    """``text`` in quotation marks, unless it is already quoted speech."""
    return text if text.startswith(('"', "\u201c")) else f"\u201c{text}\u201d"


def _beat_name(beat: Beat) -> str:
    return beat.id.replace("_", " ").replace("-", " ")


# --- charts -------------------------------------------------------------------------------------

def _wrap(text: str, width: int = 48, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" \u2026"))


def choices_figure(debrief: Debrief):
    """One horizontal bar chart per beat reached: learners per choice, red if the reply does harm."""
    counts = {b: c for b, c in choice_counts(debrief).items() if sum(c)}
    beats = debrief.scenario.beats
    heights = [0.62 * len(beats[b].choices) + 0.9 for b in counts]
    fig, axes = plt.subplots(len(counts), 1, figsize=(9, sum(heights) + 0.4), dpi=100, squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    top = max(max(c) for c in counts.values())
    for ax, (beat_id, values) in zip(axes[:, 0], counts.items()):
        beat = beats[beat_id]
        labels = [f"{_letter(i)}: {_wrap(c.text)}" for i, c in enumerate(beat.choices)]
        colours = [BAD if total(c) < 0 else GOOD if total(c) > 0 else NEUTRAL for c in beat.choices]
        ax.barh(labels, values, color=colours)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.12 + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="y", labelsize=8)
        for y, value in enumerate(values):
            ax.text(value + top * 0.01 + 0.05, y, str(value), va="center", fontsize=9)
        ax.set_title(f"{_beat_name(beat).capitalize()} ({beat.speaker}): {sum(values)} learners",
                     fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("learners (green: helpful reply, grey: neutral, red: does harm)")
    fig.tight_layout()
    return fig


def choices_alt(debrief: Debrief) -> str:
    """Alt text of `choices_figure`."""
    beats = debrief.scenario.beats
    parts = []
    for beat_id, values in choice_counts(debrief).items():
        if sum(values):
            choices = ", ".join(
                f"{_letter(i)} {n}{' (does harm)' if total(beats[beat_id].choices[i]) < 0 else ''}"
                for i, n in enumerate(values))
            parts.append(f"{_beat_name(beats[beat_id])}: {choices}")
    return "Learners per choice at each beat. " + "; ".join(parts) + "."


def endings_figure(debrief: Debrief):
    """Learners per ending (coloured by outcome), plus the invalid and missing codes in grey."""
    endings = debrief.scenario.endings
    counts = ending_counts(debrief)
    labels = [_wrap(f"{endings[e].title} ({endings[e].outcome})", 40) for e in counts]
    values = list(counts.values())
    colours = [OUTCOME_COLOURS.get(endings[e].outcome, NEUTRAL) for e in counts]
    for label, value in ((INVALID, debrief.invalid), (NO_CODE, debrief.no_code)):
        if value:
            labels.append(f"({label})")
            values.append(value)
            colours.append(NEUTRAL)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(labels) + 1.2), dpi=100)
    ax.barh(labels, values, color=colours)
    ax.invert_yaxis()
    top = max(values) if values else 1
    ax.set_xlim(0, top * 1.12 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for y, value in enumerate(values):
        ax.text(value + top * 0.01 + 0.05, y, str(value), va="center", fontsize=9)
    ax.set_xlabel("learners")
    ax.set_title("Endings reached", loc="left")
    fig.tight_layout()
    return fig


def endings_alt(debrief: Debrief) -> str:
    """Alt text of `endings_figure`."""
    endings = debrief.scenario.endings
    parts = [f"{endings[e].title} ({endings[e].outcome}) {n}" for e, n in ending_counts(debrief).items()]
    parts += [f"{INVALID} {debrief.invalid}", f"{NO_CODE} {debrief.no_code}"]
    return "Learners per ending: " + ", ".join(parts) + "."


# --- HTML and the app ---------------------------------------------------------------------------

_STYLE = _DASHBOARD_STYLE + """<style>
.debrief-summary li { margin-bottom: 0.3em; }
.debrief-spot { border-left: 4px solid #c62828; background: #fdf3f3; padding: 0.3em 0.8em;
  margin: 0.5em 0; }
.debrief-expert { border-left: 4px solid #1565c0; background: #f3f7fc; padding: 0.3em 0.8em; }
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def debrief_html(debrief: Debrief) -> str:
    """The debrief of one role-play: summary, charts, the beats to discuss, the expert's view."""
    if debrief.scenario is None:
        return (f'<div class="hr-error" role="status">The role-play of module '
                f"{_e(debrief.module)} cannot be loaded, so its codes cannot be replayed.</div>")
    scenario = debrief.scenario
    lines = "".join(f"<li>{_e(line)}</li>" for line in summary_lines(debrief))
    parts = [f'<h2>{_e(scenario.title)} <small>({_e(scenario.role)})</small></h2>',
             f'<ul class="debrief-summary">{lines}</ul>']
    if not debrief.plays:
        return "".join(parts)
    parts.append(image(endings_figure(debrief), endings_alt(debrief), "debrief-endings-chart"))
    parts.append("<h3>Where the cohort went wrong</h3>")
    spots = trouble_spots(debrief)
    if not spots:
        parts.append("<p>At no beat did most learners take a reply that does harm.</p>")
    for spot in spots:
        choice = spot.beat.choices[spot.choice]
        parts.append(
            f'<div class="debrief-spot"><p><strong>{_e(_beat_name(spot.beat).capitalize())}</strong>'
            f" &mdash; {spot.harmful} of the {spot.reached} learners who got there took a reply "
            "that does harm.</p>"
            f"<p><em>{_e(spot.beat.speaker)}:</em> {_e(spot.beat.text)}</p>"
            f"<p>Most chose <strong>{_letter(spot.choice)}: {_e(choice.text)}</strong> "
            f"({_plural(spot.choice_count, 'learner')}).<br>Feedback: {_e(choice.feedback)}</p>"
            "<p>For discussion: what made this reply tempting, and what would you say instead?</p>"
            "</div>")
    parts.append("<h3>Choices at each beat</h3>")
    parts.append(image(choices_figure(debrief), choices_alt(debrief), "debrief-choices-chart"))
    parts.append(f'<h3>What an expert would do</h3><p class="debrief-expert">{_e(scenario.expert)}</p>')
    return "".join(parts)


def collect(folder: str | Path) -> list[Debrief]:
    """The debrief of every role-play module of a cohort, in module order."""
    debriefs = []
    for module, (scenario_id, placeholder) in roleplay_modules(folder).items():
        try:
            scenario = load_by_id(scenario_id)
        except ScenarioError:
            scenario = None
        debriefs.append(analyse(module, scenario, submitted_codes(folder, module), placeholder))
    return debriefs


def debrief_app(initial: str | None = None, root: str | Path | None = None):
    """Cohort and role-play pickers over the debrief of the chosen role-play."""
    import ipywidgets as widgets

    # With the dashboard's styles ("hr-dashboard") and its own.
    root, app, cohort_picker = cohort_frame(root, initial, _STYLE, ("hr-dashboard", "debrief"))
    if cohort_picker is None:
        return app
    style = PICKER_STYLE
    play_picker = widgets.Dropdown(description="Role-play", style=style,
                                   layout=widgets.Layout(width="36em", margin="2px 0 2px 2em"))
    body = widgets.HTML()
    state: dict = {"debriefs": {}, "switching": False}

    def show_play(_=None):
        if state["switching"]:
            return
        debrief = state["debriefs"].get(play_picker.value)
        body.value = debrief_html(debrief) if debrief else (
            '<p class="hr-note">No role-play module in this cohort.</p>')

    def show_cohort(_=None):
        try:
            debriefs, error = collect(root / cohort_picker.value), None
        except Exception as problem:  # never a traceback in front of a group
            debriefs, error = [], problem
        state["debriefs"] = {d.module: d for d in debriefs}
        options = [(f"{d.module}: {d.scenario.title if d.scenario else 'role-play missing'} "
                    f"({_plural(d.learners, 'learner')})", d.module) for d in debriefs]
        state["switching"] = True
        try:
            play_picker.options = options
            play_picker.value = options[0][1] if options else None
        finally:
            state["switching"] = False
        if error is None:
            show_play()
        else:
            body.value = (f'<div class="hr-error" role="status">Cannot read cohort '
                          f"{_e(cohort_picker.value)}: {_e(error)}</div>")

    return assemble(app, cohort_picker, show_cohort, play_picker, show_play, body)

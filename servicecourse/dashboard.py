"""The HR dashboard (Voila app ``apps/dashboard.ipynb``): completion of a cohort at a glance.

A cohort picker, completion charts by module and by team, a table of learners, the overdue list
and a CSV download of the completion rows. The pure functions (roster, teams, overdue, CSV) know
nothing of widgets; ``dashboard()`` only lays their results out.

Cohorts are the folders with an ``nbgrader_config.py`` under ``$COURSE_COHORTS`` (default:
``cohorts/`` in the repository). The rows come from `servicecourse.report.completion`, which
adds each learner's team, due dates and overdue flags from the cohort's optional ``roster.csv``
and ``course.yml``; the dashboard reads the roster itself only for start dates and problems.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
from collections import Counter
from dataclasses import astuple, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Mapping

from servicecourse import roster
from servicecourse.charts import figure_png, plt
from servicecourse.cohort import CONFIG_NAME
from servicecourse.page_request import follow_request
from servicecourse.paths import COHORTS, course_order, due_days
from servicecourse.report import STATUS_COLOURS, STATUSES, Row, team_totals

COHORTS_ENV = "COURSE_COHORTS"
DEFAULT_COHORT = "demo"
NO_TEAM = "(no team)"  # as in report.team_totals
ALL_TEAMS = "All teams"

# Light tints of the status colours, for table cells whose text must stay readable.
_TINTS = {"not started": "#eeeeee", "submitted": "#e3f2fd", "needs manual grading": "#fff3cd",
          "failed": "#fde8e8", "passed": "#e6f4ea"}


# --- cohorts ------------------------------------------------------------------------------------

def cohorts_root() -> Path:
    """The folder holding the cohorts: ``$COURSE_COHORTS`` if set, else ``cohorts/`` of the repo."""
    return Path(os.environ.get(COHORTS_ENV) or COHORTS)


def list_cohorts(root: str | Path | None = None) -> list[str]:
    """Names of the cohort folders (those with an ``nbgrader_config.py``) under ``root``, sorted."""
    root = Path(root) if root else cohorts_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / CONFIG_NAME).is_file())


def initial_cohort(names: list[str], wanted: str | None = None) -> str | None:
    """The cohort to open first: ``wanted``, else ``demo``, else the first (the page's
    ``?cohort=``, if any, is followed once known: `servicecourse.page_request`)."""
    for candidate in (wanted, DEFAULT_COHORT):
        if candidate in names:
            return candidate
    return names[0] if names else None


# --- roster and teams ---------------------------------------------------------------------------

def read_roster(folder: str | Path) -> tuple[dict[str, roster.Learner], list[str]]:
    """The learners of a cohort's optional ``roster.csv``, by id, and a message per problem.

    The file (columns ``id, first_name, last_name, email, team, start_date``; written by
    ``course cohort roster import``) is read by `servicecourse.roster`, the same reader the
    report uses. This never raises: no file gives no learners; rows with problems are left out
    and described; an unusable file gives no learners and one message. The dashboard shows the
    messages so HR can have the file fixed.
    """
    path = Path(folder) / roster.ROSTER_NAME
    if not path.exists():
        return {}, []
    try:
        learners, problems = roster.read_csv(path)
    except roster.RosterError as error:
        return {}, [str(error)]
    return {learner.id: learner for learner in learners}, problems


def team_of(row: Row) -> str:
    """The team of a completion row's learner (from the roster), or ``"(no team)"``."""
    return row.team or NO_TEAM


def teams(rows: list[Row]) -> list[str]:
    """The teams of the learners in ``rows``, sorted, with ``"(no team)"`` last."""
    return sorted({team_of(row) for row in rows}, key=lambda t: (t == NO_TEAM, t))


def rows_by_team(rows: list[Row]) -> dict[str, list[Row]]:
    """The completion rows grouped by team (teams ordered as in `teams`), rows in their order."""
    grouped: dict[str, list[Row]] = {team: [] for team in teams(rows)}
    for row in rows:
        grouped[team_of(row)].append(row)
    return grouped


# --- overdue ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overdue:
    """A module a learner has not done although its due date is past."""

    learner: str
    name: str
    team: str
    module: str
    status: str
    due: date
    days_late: int


def overdue(rows: list[Row], today: date) -> list[Overdue]:
    """The overdue modules among ``rows``, with how many days late they are on ``today``.

    A row is overdue as the completion report says (`servicecourse.report.completion`): the
    module is not started or failed and its due date (the learner's start date plus the days
    of ``course.yml``) is past. Learners without a start date are never overdue. Longest delay
    first, then by learner and module.
    """
    late = [Overdue(row.learner, row.name, team_of(row), row.module, row.status,
                    date.fromisoformat(row.due), (today - date.fromisoformat(row.due)).days)
            for row in rows if row.overdue and row.due]
    return sorted(late, key=lambda o: (-o.days_late, o.learner, o.module))


def overdue_by_learner(late: list[Overdue]) -> list[list[Overdue]]:
    """The overdue modules grouped per learner, in the order of `overdue` (worst first)."""
    grouped: dict[str, list[Overdue]] = {}
    for entry in late:
        grouped.setdefault(entry.learner, []).append(entry)
    return list(grouped.values())


# --- CSV ----------------------------------------------------------------------------------------

def csv_text(rows: list[Row]) -> str:
    """The completion rows as CSV text, with the same header and columns as ``course report``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.name for f in fields(Row)])
    writer.writerows(astuple(row) for row in rows)
    return buffer.getvalue()


def csv_link(rows: list[Row], filename: str = "completion.csv") -> str:
    """An HTML download link carrying the CSV in a ``data:`` URL (works in Voila, no server route).

    The bytes start with a UTF-8 byte-order mark so that spreadsheet programs show accented
    names (Chloé) correctly.
    """
    payload = base64.b64encode(("\ufeff" + csv_text(rows)).encode("utf-8")).decode("ascii")
    label = f"Download the completion table as CSV ({len(rows)} rows)"
    return (f'<a class="hr-csv-download" href="data:text/csv;charset=utf-8;base64,{payload}" '
            f'download="{html.escape(filename)}" aria-label="{html.escape(label)}">'
            f"Download {html.escape(filename)}</a> "
            f"<small>({len(rows)} rows: one per learner and module)</small>")


# --- charts -------------------------------------------------------------------------------------

def stacked_figure(counts: Mapping[str, Counter], title: str, unit: str):
    """A horizontal stacked bar per key of ``counts`` (top to bottom), one colour per status."""
    labels = list(counts)
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(labels) + 1.7), dpi=100)
    left = [0] * len(labels)
    for status in STATUSES:
        values = [counts[label][status] for label in labels]
        ax.barh(labels, values, left=left, color=STATUS_COLOURS[status], label=status)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()  # the first key at the top, as in the tables
    ax.set_xlabel(unit)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(STATUSES), frameon=False,
              fontsize=9)
    ax.set_title(title, pad=24)
    fig.tight_layout()
    return fig


def alt_text(title: str, counts: Mapping[str, Counter], unit: str) -> str:
    """A text version of a stacked chart, for screen readers."""
    parts = []
    for label, counter in counts.items():
        statuses = ", ".join(f"{counter[s]} {s}" for s in STATUSES if counter[s])
        parts.append(f"{label}: {statuses or 'none'}")
    return f"{title}, {unit} per status. " + "; ".join(parts) + "."


def image(fig, alt: str, css_class: str) -> str:
    """An ``<img>`` with the figure as PNG data and its alt text (the figure is closed)."""
    png = base64.b64encode(figure_png(fig)).decode("ascii")
    return (f'<img class="{css_class}" src="data:image/png;base64,{png}" alt="{html.escape(alt)}" '
            f'style="max-width:100%">')


def module_counts(rows: list[Row]) -> dict[str, Counter]:
    """Per module (course order), how many learners are in each status."""
    counts = {module: Counter() for module in course_order(row.module for row in rows)}
    for row in rows:
        counts[row.module][row.status] += 1
    return counts


def team_counts(rows: list[Row]) -> dict[str, Counter]:
    """Per team (as in `teams`), how many module results are in each status, and ``overdue``."""
    totals = team_totals(rows)
    return {team: totals[team] for team in teams(rows)}


def module_chart(rows: list[Row], title: str = "Completion by module") -> str:
    """The completion-by-module chart as an ``<img>`` with alt text."""
    counts, unit = module_counts(rows), "learners"
    return image(stacked_figure(counts, title, unit), alt_text(title, counts, unit), "hr-chart-modules")


def team_chart(rows: list[Row], title: str = "Completion by team") -> str:
    """The completion-by-team chart (all module results of each team) as an ``<img>``."""
    counts, unit = team_counts(rows), "module results (learners x modules)"
    return image(stacked_figure(counts, title, unit), alt_text(title, counts, unit), "hr-chart-teams")


# --- HTML parts ---------------------------------------------------------------------------------

PICKER_STYLE = {"description_width": "initial"}  # labels in full, never cut off
_STYLE = """<style>
.hr-dashboard .widget-html-content { line-height: 1.45; }
.hr-dashboard h2 { margin: 1.3em 0 0.4em; font-size: 1.3em; }
.hr-table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.92em; line-height: 1.3; }
.hr-table caption { text-align: left; font-weight: 600; padding: 0.3em 0; caption-side: top; }
.hr-table th, .hr-table td { border: 1px solid #c8c8c8; padding: 0.3em 0.55em; text-align: left;
  vertical-align: top; }
.hr-table thead th { background: #f2f4f7; }
.hr-table th[scope=row] { font-weight: 600; background: #fafafa; white-space: nowrap; }
.hr-table th[scope=row] small { font-weight: normal; color: #555; }
.hr-table .hr-date, .hr-table .hr-number, .hr-table .hr-team { white-space: nowrap; }
.hr-table .hr-number { text-align: right; }
.hr-table td small { color: #333; }
.hr-summary { font-size: 1.05em; max-width: 60em; }
.hr-note { color: #444; }
.hr-csv-download { display: inline-block; font-weight: 600; padding: 0.35em 0.9em;
  border: 1px solid #1565c0; border-radius: 4px; color: #1565c0; text-decoration: none; }
.hr-csv-download:hover, .hr-csv-download:focus { background: #e3f2fd; text-decoration: underline; }
.hr-error { border-left: 4px solid #c62828; background: #fdecea; padding: 0.4em 0.8em; }
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def summary_html(rows: list[Row], late: list[Overdue]) -> str:
    """Headline figures: learners, modules, results passed, learners done, waiting, overdue."""
    learners = {row.learner for row in rows}
    status = Counter(row.status for row in rows)
    done = sum(all(r.status == "passed" for r in rows if r.learner == learner) for learner in learners)
    return (f'<p class="hr-summary"><strong>{len(learners)}</strong> learners, '
            f"<strong>{len({row.module for row in rows})}</strong> modules. "
            f"<strong>{status['passed']}</strong> of {len(rows)} module results passed; "
            f"<strong>{done}</strong> learners have passed every module; "
            f"<strong>{status['needs manual grading']}</strong> results wait for the trainer; "
            f"<strong>{len({o.learner for o in late})}</strong> learners are overdue.</p>")


def learners_table(rows: list[Row], learners: Mapping[str, roster.Learner], caption: str) -> str:
    """One line per learner: name, team, start date, modules passed, each module's status."""
    modules = course_order(row.module for row in rows)
    results: dict[str, dict[str, Row]] = {}
    for row in rows:
        results.setdefault(row.learner, {})[row.module] = row
    head = "".join(f'<th scope="col">{_e(m)}</th>' for m in modules)
    lines = []
    for learner, by_module in sorted(results.items(),
                                     key=lambda kv: (next(iter(kv[1].values())).name or kv[0]).lower()):
        first = next(iter(by_module.values()))
        entry = learners.get(learner)
        start = entry.start_date.isoformat() if entry and entry.start_date else "&ndash;"
        passed = sum(r.status == "passed" for r in by_module.values())
        cells = []
        for module in modules:
            row = by_module.get(module)
            if row is None:
                cells.append("<td>&ndash;</td>")
                continue
            notes = [] if row.status in ("not started", "submitted") else \
                [f"{row.score:g} of {row.max_score:g} points"]
            if row.overdue:
                notes.append(f"<strong>overdue</strong> (due {_e(row.due)})")
            extra = "".join(f"<br><small>{note}</small>" for note in notes)
            cells.append(f'<td style="background:{_TINTS.get(row.status, "#fff")}">'
                         f"{_e(row.status)}{extra}</td>")
        lines.append(f'<tr><th scope="row">{_e(first.name or learner)}<br><small>{_e(learner)}</small>'
                     f'</th><td class="hr-team">{_e(team_of(first))}</td><td class="hr-date">{start}</td>'
                     f'<td class="hr-number">{passed} of {len(modules)}</td>{"".join(cells)}</tr>')
    return (f'<table class="hr-table hr-learners"><caption>{_e(caption)}</caption><thead><tr>'
            f'<th scope="col">Learner</th><th scope="col">Team</th><th scope="col">Start date</th>'
            f'<th scope="col">Modules passed</th>{head}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table>")


def due_rule() -> str:
    """The due dates of ``course.yml`` in words."""
    days = ", ".join(f"{module} {n}" for module, n in due_days().items())
    return f"modules are due a number of days after the learner's start date: {days}"


def overdue_html(rows: list[Row], late: list[Overdue], learners: Mapping[str, roster.Learner],
                 today: date) -> str:
    """The overdue list (one line per learner) as a table, or a sentence saying why it is empty."""
    if not any(row.due for row in rows):
        return ('<p class="hr-note hr-overdue-empty">Nothing can be overdue: no learner here has a '
                "start date (import a roster with a <code>start_date</code> column: "
                "<code>course cohort roster import</code>).</p>")
    if not late:
        return (f'<p class="hr-overdue-empty">Nobody is overdue on {today.isoformat()} '
                f"({_e(due_rule())} days).</p>")
    lines = []
    for entries in overdue_by_learner(late):
        worst = entries[0]
        entry = learners.get(worst.learner)
        start = entry.start_date.isoformat() if entry and entry.start_date else "&ndash;"
        modules = ", ".join(f"{_e(o.module)} <small>({_e(o.status)})</small>" for o in entries)
        lines.append(f'<tr><th scope="row">{_e(worst.name or worst.learner)}</th>'
                     f'<td class="hr-team">{_e(worst.team)}</td>'
                     f'<td class="hr-date">{start}</td><td class="hr-number">{len(entries)}</td>'
                     f'<td>{modules}</td><td class="hr-number">{worst.days_late}</td></tr>')
    return (f'<table class="hr-table hr-overdue"><caption>{len(lines)} learners with modules not '
            f"started or failed after their due date, as of {today.isoformat()}</caption><thead><tr>"
            '<th scope="col">Learner</th><th scope="col">Team</th><th scope="col">Start date</th>'
            '<th scope="col">Modules overdue</th><th scope="col">Which (status)</th>'
            '<th scope="col">Days late (longest)</th></tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table>"
            f'<p class="hr-note">Due dates: {_e(due_rule())} days (<code>course.yml</code>).</p>')


def no_cohort_html(root: Path) -> str:
    """What the dashboard says when there is no cohort to show."""
    return (f'<div class="hr-error" role="status"><strong>No cohort yet.</strong> '
            f"There is no cohort folder in <code>{_e(root)}</code>. Create the demo cohort "
            "(synthetic learners) with <code>course demo</code> in the course folder "
            "(or <code>make demo</code>), then reload this page.</div>")


def roster_note(problems: list[str]) -> str:
    """A warning listing the roster's problems, or nothing."""
    if not problems:
        return ""
    return ('<div class="hr-error" role="status"><strong>Some roster lines cannot be used</strong> '
            "(those learners show no team or start date until the file is fixed):"
            f"<pre>{_e(chr(10).join(problems))}</pre></div>")


# --- the app ------------------------------------------------------------------------------------

def cohort_view(folder: Path, team: str = ALL_TEAMS, today: date | None = None,
                rows: list[Row] | None = None) -> str:
    """The dashboard's body for one cohort (and one team, or all) as HTML.

    ``rows`` are the cohort's completion rows; when not given they are read from its gradebook.
    """
    from servicecourse.report import completion

    today = today or date.today()
    learners, problems = read_roster(folder)
    if rows is None:
        try:
            rows = completion(folder, today=today)
        except Exception as error:  # a broken gradebook must not turn into a traceback for HR
            return (f'<div class="hr-error" role="status"><strong>Cannot read the gradebook of '
                    f"cohort {_e(folder.name)}:</strong> {_e(error)}</div>")
    if not rows:
        return roster_note(problems) + ('<p class="hr-note">No learners in this cohort yet: import '
                                        "a roster (<code>course cohort roster import</code>).</p>")
    shown = rows if team == ALL_TEAMS else rows_by_team(rows).get(team, [])
    late = overdue(shown, today)
    scope = f"cohort {folder.name}" + ("" if team == ALL_TEAMS else f", team {team}")
    return "".join([
        roster_note(problems),
        summary_html(shown, late),
        f"<h2>Completion by module</h2>{module_chart(shown, f'Completion by module ({scope})')}",
        f"<h2>Completion by team</h2>{team_chart(rows, f'Completion by team (cohort {folder.name})')}",
        f"<h2>Overdue</h2>{overdue_html(shown, late, learners, today)}",
        f"<h2>Learners</h2>"
        f"{learners_table(shown, learners, f'Learners of {scope}: status per module')}",
        f"<h2>Download</h2><p>{csv_link(shown)}</p>",
    ])


def cohort_frame(root: str | Path | None, initial: str | None, style_html: str,
                 classes: tuple[str, ...]):
    """What each cohort app opens with: ``(root, app, cohort_picker)``.

    ``app`` is a box holding the app's style; with no cohort under ``root`` (default: cohorts/)
    it also says how to make one and the picker is None.
    """
    import ipywidgets as widgets

    root = Path(root) if root else cohorts_root()
    names = list_cohorts(root)
    app = widgets.VBox([widgets.HTML(style_html)])  # the notebook's own heading titles the page
    for name in classes:
        app.add_class(name)
    if not names:
        app.children = [*app.children, widgets.HTML(no_cohort_html(root))]
        return root, app, None
    picker = widgets.Dropdown(options=names, value=initial_cohort(names, initial),
                              description="Cohort", style=PICKER_STYLE)
    if initial is None:
        follow_request(picker, "cohort", set(names))
    return root, app, picker


def assemble(app, cohort_picker, show_cohort, picker, show_pick, body):
    """Finish a cohort app: each picker redraws its part, the first cohort is drawn, and the two
    pickers sit in a row above ``body``. Returns ``app``."""
    import ipywidgets as widgets

    cohort_picker.observe(show_cohort, names="value")
    picker.observe(show_pick, names="value")
    show_cohort()
    pickers = widgets.HBox([cohort_picker, picker],
                           layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
    app.children = [*app.children, pickers, body]
    return app


def dashboard(initial: str | None = None, root: str | Path | None = None):
    """The HR dashboard widget: cohort and team pickers over the cohort's completion view."""
    import ipywidgets as widgets

    from servicecourse.report import completion

    root, app, cohort_picker = cohort_frame(root, initial, _STYLE, ("hr-dashboard",))
    if cohort_picker is None:
        return app
    style = PICKER_STYLE
    team_picker = widgets.Dropdown(options=[ALL_TEAMS], value=ALL_TEAMS, description="Team",
                                   style=style, layout=widgets.Layout(margin="2px 0 2px 2em"))
    body = widgets.HTML()
    loaded: dict = {"rows": None, "switching": False}

    def show_team(_=None):
        if not loaded["switching"]:
            body.value = cohort_view(root / cohort_picker.value, team_picker.value,
                                     rows=loaded["rows"])

    def show_cohort(_=None):
        try:
            loaded["rows"] = completion(root / cohort_picker.value)
        except Exception:
            loaded["rows"] = None  # cohort_view tries again and reports the error
        loaded["switching"] = True  # new options reset the value: draw once, below
        try:
            team_picker.options = [ALL_TEAMS] + teams(loaded["rows"] or [])
            team_picker.value = ALL_TEAMS
        finally:
            loaded["switching"] = False
        show_team()

    return assemble(app, cohort_picker, show_cohort, team_picker, show_team, body)

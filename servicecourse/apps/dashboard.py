"""The HR dashboard (Voila app ``apps/dashboard.ipynb``): completion of a cohort at a glance.

A thin view over the reporting core (`servicecourse.reporting.report.cohort_report`, which ``course
report`` also calls): cohort, team and manager pickers and a Refresh button
(`servicecourse.apps.cohort_app.CohortApp`), completion charts by module and by team, the overdue
list, a table of learners with the roster's extra columns, and a CSV download of the rows shown.
HTML comes from ``templates/dashboard.html.j2`` (autoescaped), the style from
``templates/dashboard.css``. What is wrong with a cohort's files is said as it is: a bad
``course.yml``, an unreadable gradebook, roster lines left out.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import ipywidgets as widgets

from servicecourse.apps.cohort_app import PICKER_STYLE, CohortApp
from servicecourse.charts import status_png
from servicecourse.cohort import CohortError
from servicecourse.cohort.roster import header_key
from servicecourse.policy import PolicyError
from servicecourse.reporting import report
from servicecourse.reporting.report import STATUSES, CohortReport, Row
from servicecourse.templating import macros

ALL = ""  # the filters' value for "everyone"
# Roster columns (as `servicecourse.cohort.roster.header_key` folds them) the dashboard filters by.
MANAGER_KEYS = ("manager", "line_manager", "manager_name", "supervisor", "reports_to")


def manager_column(columns: list[str]) -> str | None:
    """The roster's manager column, if it has one."""
    return next((c for c in columns if header_key(c) in MANAGER_KEYS), None)


def _templates():
    return macros("dashboard.html.j2")


# --- pieces of the view -------------------------------------------------------------------------

def image(png: bytes, alt: str, css_class: str) -> str:
    """An ``<img>`` of a PNG image with its alt text."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _templates().image(src, alt, css_class)  # Markup: placed in the page as HTML


def alt_text(title: str, counts: Mapping[str, Counter], unit: str) -> str:
    """A text version of a stacked status chart, for screen readers."""
    parts = []
    for label, counter in counts.items():
        statuses = ", ".join(f"{counter[s]} {s}" for s in STATUSES if counter[s])
        parts.append(f"{label}: {statuses or 'none'}")
    return f"{title}, {unit} per status. " + "; ".join(parts) + "."


def chart(counts: Mapping[str, Counter], title: str, unit: str, css_class: str) -> str:
    """A stacked status chart of ``counts`` as an ``<img>`` with alt text."""
    return image(status_png(counts, title, unit), alt_text(title, counts, unit), css_class)


def csv_href(rows: list[Row], columns: list[str]) -> str:
    """A ``data:`` URL holding the rows as the course's CSV (works in Voila, no server route)."""
    data = report.completion_csv(rows, columns).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")


def learner_lines(rows: list[Row], learners: Mapping, policy) -> list[dict]:
    """One entry per learner (by name): id, team, start date, extra columns, passed count, and
    per module (course order) the row or None."""
    modules = policy.order(row.module for row in rows)
    results: dict[str, dict[str, Row]] = {}
    for row in rows:
        results.setdefault(row.learner, {})[row.module] = row
    lines = []
    for learner, by_module in results.items():
        first = next(iter(by_module.values()))
        entry = learners.get(learner)
        lines.append({"id": learner, "name": first.name or learner, "team": report.team_of(first),
                      "start": entry.start_date.isoformat() if entry and entry.start_date else None,
                      "extra": first.extra,
                      "passed": sum(r.status == "passed" for r in by_module.values()),
                      "cells": [by_module.get(module) for module in modules]})
    return sorted(lines, key=lambda line: (line["name"].lower(), line["id"]))


def status_class(status: str) -> str:
    """The CSS class of a status cell (``needs manual grading`` -> ``hr-needs-manual-grading``)."""
    return "hr-" + status.replace(" ", "-")


def cohort_view(data: CohortReport, team: str = ALL, manager: str = ALL) -> str:
    """The dashboard's body for one cohort (all of it, or one team and/or one manager's people)."""
    column = manager_column(data.columns)
    shown = report.select(data.rows, {"team": team or None, **({column: manager or None} if column else {})})
    late = report.overdue(shown, data.today)
    scope = ", ".join([f"cohort {data.folder.name}", *([f"team {team}"] if team else []),
                       *([f"{column} {manager}"] if manager and column else [])])
    charts = {}
    if shown:
        charts = {"modules": chart(report.module_counts(shown, data.policy),
                                   f"Completion by module ({scope})", "learners", "hr-chart-modules"),
                  "teams": chart(report.team_totals(data.rows),
                                 f"Completion by team (cohort {data.folder.name})",
                                 "module results (learners x modules)", "hr-chart-teams")}
    return str(_templates().page(
        cohort=data.folder.name, scope=scope, today=data.today.isoformat(), notes=data.notes,
        roster_problems=data.roster_problems, rows=shown, any_rows=bool(data.rows),
        summary=report.summary(shown, late), charts=charts,
        overdue=report.overdue_by_learner(late), any_due=any(row.due for row in shown),
        learners=learner_lines(shown, data.learners, data.policy),
        modules=data.policy.order(row.module for row in shown), columns=data.columns,
        start_dates={lid: person.start_date.isoformat() for lid, person in data.learners.items()
                     if person.start_date},
        status_class=status_class, csv_href=csv_href(shown, data.columns),
        pass_mark=data.pass_mark, policy_file=data.policy.source, due_days=data.policy.due_days))


# --- the app ------------------------------------------------------------------------------------

class HRDashboard(CohortApp):
    """Cohort, team and manager pickers and Refresh over the cohort's completion view."""

    errors = (CohortError, PolicyError, report.ReportError)

    def make_filters(self) -> list[widgets.Dropdown]:
        self.team = widgets.Dropdown(description="Team", style=PICKER_STYLE,
                                     layout=widgets.Layout(margin="2px 0 2px 2em"))
        self.manager = widgets.Dropdown(description="Manager", style=PICKER_STYLE,
                                        layout=widgets.Layout(margin="2px 0 2px 2em"))
        return [self.team, self.manager]

    def load(self, folder: Path) -> CohortReport:
        return report.cohort_report(folder, today=date.today())

    def filter_options(self, data: CohortReport) -> list[list]:
        column = manager_column(data.columns)
        self.manager.layout.display = None if column else "none"  # no manager column: no filter
        managers = report.groups(data.rows, column) if column else []
        return [[("All teams", ALL), *((t, t) for t in report.teams(data.rows))],
                [("All managers", ALL), *((m, m) for m in managers)]]

    def draw(self, folder: Path, data: CohortReport) -> str:
        return cohort_view(data, self.team.value, self.manager.value)


def dashboard(initial: str | None = None, root: str | Path | None = None) -> HRDashboard:
    """The HR dashboard widget (cohorts under ``root``, default `cohort_app.cohorts_root`), opened on
    ``initial`` or the page's ``?cohort=``."""
    return HRDashboard(root, initial)


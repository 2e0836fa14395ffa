"""The frame of the cohort apps (HR dashboard, trainer debrief): which cohorts exist, a picker,
filters and a Refresh button over a body drawn from the cohort's files.

An app shows the present: the cohort list and the cohort's data are read again whenever the
page is viewed (in a Voila kernel preheated before anyone asked, when the request arrives:
`servicecourse.apps.page_request.on_request`), when another cohort is picked and when Refresh is
pressed. A problem with a cohort's files is shown as its own message (the exceptions an app
names in ``errors``), never as a traceback and never as another problem.

Cohorts are the folders with an ``nbgrader_config.py`` under ``$COURSE_COHORTS`` (default:
``cohorts/`` in the repository).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from servicecourse.apps import page_request
from servicecourse.cohort import CONFIG_NAME
from servicecourse.course import COHORTS
from servicecourse.templating import macros

COHORTS_ENV = "COURSE_COHORTS"
DEFAULT_COHORT = "demo"
PICKER_STYLE = {"description_width": "initial"}  # labels in full, never cut off


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
    """The cohort to show: ``wanted`` if it exists, else ``demo``, else the first."""
    for candidate in (wanted, DEFAULT_COHORT):
        if candidate in names:
            return candidate
    return names[0] if names else None


def style_html(*css_files: str) -> str:
    """A ``<style>`` element holding the named style sheets of ``servicecourse/templates``."""
    return str(macros("dashboard.html.j2").style(css_files))


class CohortApp(widgets.VBox):
    """A cohort picker, the app's filters and a Refresh button over ``body``.

    A subclass says how to read a cohort (`load`, raising one of ``errors`` for a problem it
    can name), which filter options the data gives (`filter_options`) and how to draw it
    (`draw`). ``data`` holds what `load` read last (None after an error).
    """

    css_files: tuple[str, ...] = ("dashboard.css",)
    css_classes: tuple[str, ...] = ("hr-dashboard",)
    errors: tuple[type[Exception], ...] = ()

    def __init__(self, root: str | Path | None = None, initial: str | None = None):
        self.root = Path(root) if root else cohorts_root()
        self.data: Any = None
        self.cohort = widgets.Dropdown(description="Cohort", style=PICKER_STYLE)
        self.filters: list[widgets.Dropdown] = self.make_filters()
        self.refresh_button = widgets.Button(
            description="Refresh", icon="refresh",
            tooltip="Read the cohorts and their data again (they change as learners hand in)")
        self.body = widgets.HTML()
        controls = widgets.HBox([self.cohort, *self.filters, self.refresh_button],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        # The notebook's own heading titles the page.
        super().__init__([widgets.HTML(style_html(*self.css_files)), controls, self.body])
        for name in self.css_classes:
            self.add_class(name)
        for picker in (self.cohort, *self.filters):
            picker.observe(self._changed, names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.refresh(initial)
        if initial is None:  # the page's ?cohort=, once its request is known
            page_request.on_request(lambda: self.refresh(page_request.requested("cohort")))

    # --- for subclasses -------------------------------------------------------------------------

    def make_filters(self) -> list[widgets.Dropdown]:
        """The app's own pickers, shown after the cohort picker."""
        return []

    def load(self, folder: Path) -> Any:
        """Read the cohort in ``folder``; raise one of ``errors`` when its files are wrong."""
        raise NotImplementedError

    def filter_options(self, data: Any) -> list[list]:
        """The options of each filter (in `make_filters` order) for freshly loaded ``data``."""
        return [[] for _ in self.filters]

    def draw(self, folder: Path, data: Any) -> str:
        """The body's HTML for ``data`` and the current filter values."""
        raise NotImplementedError

    # --- the frame ------------------------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        """The picked cohort's folder (None when there is no cohort)."""
        return self.root / self.cohort.value if self.cohort.value else None

    def refresh(self, wanted: str | None = None) -> None:
        """Read the cohort list and the picked cohort (``wanted`` if it exists) again; draw it."""
        names = list_cohorts(self.root)
        current = wanted if wanted in names else self.cohort.value
        self._set(self.cohort, names, initial_cohort(names, current))
        for picker in (self.cohort, *self.filters):
            picker.layout.display = None if names else "none"
        if not names:
            self.data = None
            self.body.value = str(macros("dashboard.html.j2").no_cohort(str(self.root)))
            return
        self.show_cohort()

    def show_cohort(self) -> None:
        """Load the picked cohort, offer its filter options (keeping choices that still exist), draw."""
        folder = self.folder
        assert folder is not None
        try:
            self.data = self.load(folder)
        except self.errors as error:
            self.data = None
            self.body.value = str(macros("dashboard.html.j2").problem(folder.name, str(error)))
            return
        for picker, options in zip(self.filters, self.filter_options(self.data)):
            values = [value for _, value in options]
            self._set(picker, options, picker.value if picker.value in values else values[0])
        self.show()

    def show(self) -> None:
        """Draw the loaded data under the current filters."""
        if self.data is not None and self.folder is not None:
            self.body.value = self.draw(self.folder, self.data)

    def _changed(self, change) -> None:
        if change["owner"] is self.cohort:
            self.show_cohort()
        else:
            self.show()

    def _set(self, picker: widgets.Dropdown, options: list, value) -> None:
        """Give ``picker`` new options and value without drawing for each step of the change."""
        picker.unobserve(self._changed, names="value")
        try:
            picker.options = options
            picker.value = value
        finally:
            picker.observe(self._changed, names="value")

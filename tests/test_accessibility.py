"""Does axe-core find no serious or critical accessibility violation anywhere a learner or HR goes?

axe-core (pinned in tests/package.json; `npm ci --prefix tests`) runs in Chromium on every HTML
page of the built site, served over http on 127.0.0.1, once the JavaScript player has replaced the
role-play fallbacks; on every chapter's role-plays played to each kind of ending, in the light and
the dark colour scheme; and on each Voila app: the role-play (opening and debrief), the HR
dashboard and the debrief, on the demo cohort. Every button, select and input of the apps and of
the static players must also have an accessible name.

No rule is switched off and no element is excluded.
"""

from __future__ import annotations

import json
import re

import pytest

from servicecourse.course import REPO
from servicecourse.roleplay.scenario import load_by_id
from servicecourse.roleplay.vectors import all_vectors

from conftest import copy_cohort, hold_voila_front_end, toc_files

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOOLS = REPO / "tests"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
OUTCOMES = ("good", "mixed", "poor")
# What a person can operate; each needs an accessible name.
CONTROLS = ("button, select, textarea, input:not([type=hidden]), [role=button], [role=combobox], "
            "[role=checkbox], [role=radio], [role=switch], [role=slider], [role=textbox]")


# Every page of the site: the chapters and reference pages of the table of contents, the root
# redirect, search and the general index (test_every_html_page_of_the_site_is_checked keeps the
# list complete).
SITE_PAGES = ["index.html", "search.html", "genindex.html"] + [f"{name}.html" for name in toc_files()]
CHAPTERS_WITH_ROLEPLAYS = [name for name in toc_files()
                           if re.search(r'roleplay\("[^"]+"\)', (REPO / f"{name}.md").read_text())]


@pytest.fixture(scope="session")
def axe_path() -> str:
    """axe-core's browser script, installed by npm at the exact version tests/package.json pins."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests`")
    pinned = json.loads((TOOLS / "package.json").read_text())["devDependencies"]["axe-core"]
    installed = json.loads((AXE.parent / "package.json").read_text())["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"axe-core must be pinned exactly, not {pinned!r}"
    assert installed == pinned, f"axe-core {installed} is installed, {pinned} is pinned: npm ci --prefix tests"
    return str(AXE)


def _axe(page, axe_path: str) -> list[dict]:
    """Run every axe rule on the whole document; return its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_path)
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def _failures(violations: list[dict]) -> list[str]:
    """One line per serious or critical violation: rule, impact, what it means, each target."""
    lines = []
    for v in violations:
        if v["impact"] not in FAILING_IMPACTS:
            continue
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"]:
            lines.append(f"    {' >>> '.join(map(str, node['target']))}    {node['html'][:160]}")
    return lines


def assert_no_serious_violations(page, axe_path: str, where: str) -> None:
    lines = _failures(_axe(page, axe_path))
    assert not lines, f"axe-core on {where}:\n" + "\n".join(lines)


def assert_every_control_is_named(page, axe_path: str, scope: str, where: str) -> int:
    """Every visible control inside ``scope`` has an accessible name (as axe computes it)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_path)
    controls = page.evaluate(
        """([scope, controls]) => {
             axe.setup(document);
             try {
               const found = [];
               for (const root of document.querySelectorAll(scope))
                 for (const el of root.querySelectorAll(controls))
                   if (axe.commons.dom.isVisibleToScreenReaders(el))
                     found.push({role: axe.commons.aria.getRole(el) || el.tagName.toLowerCase(),
                                 name: axe.commons.text.accessibleText(el).trim(),
                                 html: el.outerHTML.slice(0, 160)});
               return found;
             } finally { axe.teardown(); }
           }""", [scope, CONTROLS])
    assert controls, f"no control found in {scope} on {where}"
    unnamed = [f"    {c['role']}: {c['html']}" for c in controls if not c["name"]]
    assert not unnamed, f"controls with no accessible name on {where}:\n" + "\n".join(unnamed)
    return len(controls)


# ------------------------------------------------------------------------------ the static site ---

def _open(browser, url: str, color_scheme: str = "light", lands_on: str | None = None):
    """A page at ``url`` (or where it redirects: ``lands_on``) once it has loaded, every role-play
    is a player and the icons are drawn."""
    context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    if lands_on:
        page.wait_for_url(f"**/{lands_on}")
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.serve-roleplay-static:not(.serve-player)')")
    # Where the theme's fontawesome.js is loaded, it swaps each <i> icon for an inline SVG after
    # load: check the page as it stays.
    page.wait_for_function("() => !window.FontAwesome"
                           " || !document.querySelector('i.fa-solid, i.fa-brands, i.fa-regular')")
    assert page.evaluate("document.documentElement.dataset.theme") == color_scheme
    return context, page


def test_every_html_page_of_the_site_is_checked(built_site):
    pages = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")
             if "_static" not in p.relative_to(built_site).parts}
    assert pages == set(SITE_PAGES)


@pytest.mark.parametrize("name", SITE_PAGES)
def test_a_page_of_the_site_has_no_serious_violation(site_url, chromium, axe_path, name, built_site):
    # The site's root index.html is the redirect sphinx-external-toc writes: one <meta> refresh
    # (no <html lang>, no <title>), which the browser follows at once. What a visitor sees, and
    # what is checked, is the page it leads to (the book's first page).
    redirect = re.fullmatch(r'<meta http-equiv="Refresh" content="0; url=([\w./-]+)" />',
                            (built_site / name).read_text().strip())
    lands_on = redirect.group(1) if redirect else None
    context, page = _open(chromium, f"{site_url}/{name}", lands_on=lands_on)
    assert_no_serious_violations(page, axe_path, name)
    if page.locator(".serve-player").count():
        count = assert_every_control_is_named(page, axe_path, ".serve-player", name)
        assert count >= 2 * page.locator(".serve-player").count()
    context.close()


def _play(player, choices: list[int]) -> None:
    for index in choices:
        player.locator("button.serve-choice").nth(index).click()
    player.locator(".serve-debrief").wait_for()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("name", CHAPTERS_WITH_ROLEPLAYS)
def test_role_plays_played_to_each_kind_of_ending_have_no_serious_violation(
        site_url, chromium, axe_path, name, color_scheme):
    """The debrief (ending in its outcome's colour, path, expert advice, chart, play again) of
    every role-play of a chapter, for a good, a mixed and a poor ending."""
    vectors = all_vectors()
    for outcome in OUTCOMES:
        context, page = _open(chromium, f"{site_url}/{name}.html", color_scheme)
        players = page.locator(".serve-player")
        assert players.count() > 0
        for i in range(players.count()):
            player = players.nth(i)
            sid = player.get_attribute("data-scenario")
            shortest = min((v for v in vectors[sid] if v["outcome"] == outcome),
                           key=lambda v: len(v["choices"]))
            _play(player, shortest["choices"])
            assert player.locator(f".serve-ending .serve-outcome-{outcome}").count() == 1, (sid, outcome)
        where = f"{name}.html, every role-play ended {outcome}, {color_scheme} mode"
        assert_no_serious_violations(page, axe_path, where)
        assert_every_control_is_named(page, axe_path, ".serve-player", where)
        assert page.get_by_role("button", name="Play again").count() == players.count()
        context.close()


# ------------------------------------------------------------------------------ the Voila apps ---



@pytest.fixture(scope="module")
def voila(voila_apps, demo_cohort):
    """The session's Voila server of the three apps (`ServedApps`), reading a copy of the demo cohort alone."""
    with voila_apps.only_these_cohorts() as root:
        copy_cohort(demo_cohort, root / "demo")
        yield voila_apps


def _open_app(chromium, axe_path, voila, app: str, ready: str, label: str):
    """Open an app's page, wait for the ``ready`` selector, then check it: no serious violation
    and every control named. Returns the page and how many controls it has."""
    from playwright.sync_api import TimeoutError as PageTimeout

    page = chromium.new_page()
    page.goto(f"{voila.url}/voila/render/{app}", timeout=60_000)
    try:
        page.locator(ready).first.wait_for(timeout=60_000)
    except PageTimeout:
        pytest.fail(f"{label}: no {ready} after 60 s; the page says:\n{page.inner_text('body')[:3000]}\n"
                    f"the server's log ends:\n{voila.log_tail()}")
    assert_no_serious_violations(page, axe_path, label)
    return page, assert_every_control_is_named(page, axe_path, "body", label)


def test_the_roleplay_app_first_view_opening_and_debrief_have_no_serious_violation(voila, chromium, axe_path):
    opening = load_by_id("serve-call-centre").beats["opening"]
    page = chromium.new_page()
    release_front_end = hold_voila_front_end(page)
    page.goto(f"{voila.url}/voila/render/roleplay.ipynb?scenario=serve-call-centre", wait_until="commit",
              timeout=60_000)
    page.locator("button.course-first-choice").first.wait_for(timeout=60_000)
    assert_no_serious_violations(page, axe_path, "the role-play app, first view")
    controls = assert_every_control_is_named(page, axe_path, "body", "the role-play app, first view")
    assert controls == 1 + len(opening.choices)  # the picker and the choices
    release_front_end()
    page.locator(".course-first-view").wait_for(state="detached", timeout=60_000)
    page.locator("button.serve-choice", has_text=opening.choices[0].text).wait_for(timeout=60_000)
    assert_no_serious_violations(page, axe_path, "the role-play app, opening")
    controls = assert_every_control_is_named(page, axe_path, "body", "the role-play app, opening")
    assert controls == 1 + len(opening.choices)
    assert page.get_by_label("Role-play").count() == 1
    for _ in range(10):
        # Each click goes to the kernel and back: wait for the next beat or the ending.
        page.locator("button.serve-choice, .serve-ending").first.wait_for(timeout=60_000)
        if page.locator(".serve-ending").count():
            break
        choice = page.locator("button.serve-choice").first.element_handle()
        choice.click()
        choice.wait_for_element_state("hidden", timeout=60_000)  # gone: the view was redrawn
    page.locator("img.serve-profile-chart").wait_for(timeout=60_000)
    assert_no_serious_violations(page, axe_path, "the role-play app, debrief")
    assert_every_control_is_named(page, axe_path, "body", "the role-play app, debrief")
    page.get_by_role("button", name="Play again").wait_for()
    page.close()


def test_the_dashboard_app_has_no_serious_violation(voila, chromium, axe_path):
    page, controls = _open_app(chromium, axe_path, voila, "dashboard.ipynb",
                               "table.hr-learners", "the dashboard app")
    assert controls >= 2
    assert page.get_by_label("Cohort").input_value() == "demo"
    page.get_by_label("Team").select_option("Billing")
    page.wait_for_function(
        "() => document.querySelector('table.hr-learners caption').textContent.includes('team Billing')",
        timeout=10_000)
    assert_no_serious_violations(page, axe_path, "the dashboard app, team Billing")
    page.close()


def test_the_debrief_app_has_no_serious_violation(voila, chromium, axe_path):
    page, controls = _open_app(chromium, axe_path, voila, "debrief.ipynb",
                               "img.debrief-choices-chart", "the debrief app")
    assert controls >= 2
    assert page.get_by_label("Role-play").count() == 1 and page.get_by_label("Cohort").count() == 1
    page.close()


# ------------------------------------------------------------------------- the check itself ---

def test_the_check_reports_what_it_should(chromium, axe_path):
    """An unnamed button, an unlabelled select and grey-on-white text fail, with their targets."""
    page = chromium.new_page()
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
                     '<h1>Test</h1><button id="nameless"></button><select id="bare"><option>a</option>'
                     '</select><p id="faint" style="color:#bbb;background:#fff">Hard to read</p>'
                     '<button id="named">Play again</button></main></body></html>')
    lines = "\n".join(_failures(_axe(page, axe_path)))
    for rule, target in (("button-name", "#nameless"), ("select-name", "#bare"),
                         ("color-contrast", "#faint")):
        assert re.search(rf"^{rule} \((serious|critical)\)", lines, re.M), lines
        assert f"    {target}" in lines, lines
    assert "#named" not in lines
    with pytest.raises(AssertionError, match="button: <button id=\"nameless\">"):
        assert_every_control_is_named(page, axe_path, "main", "a test page")
    page.close()

"""Does the apps' Voila server compile its page templates once, and find the course template?"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter

from servicecourse.serving.voila_server import JUPYTER_DATA, MemoryBytecodeCache, share_compiled_templates


class CountingCache(MemoryBytecodeCache):
    """Counts the templates it hands back already compiled."""

    def __init__(self):
        super().__init__()
        self.hits = 0

    def load_bytecode(self, bucket):
        super().load_bytecode(bucket)
        self.hits += bucket.code is not None


def test_the_second_page_reuses_the_templates_the_first_compiled(monkeypatch):
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    cache = share_compiled_templates(CountingCache())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Hello")])
    first, _ = HTMLExporter().from_notebook_node(notebook)
    compiled = len(cache.store)
    assert compiled > 1 and cache.hits == 0
    second, _ = HTMLExporter().from_notebook_node(notebook)  # a new exporter, as Voila makes
    assert cache.hits == compiled and len(cache.store) == compiled
    assert "Hello" in second


def test_an_edited_template_is_compiled_again(tmp_path):
    cache = MemoryBytecodeCache()
    template = tmp_path / "page.j2"
    template.write_text("first {{ x }}")
    environment = lambda: jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path),  # noqa: E731
                                             bytecode_cache=cache)
    assert environment().get_template("page.j2").render(x=1) == "first 1"
    template.write_text("second {{ x }}")
    assert environment().get_template("page.j2").render(x=2) == "second 2"


def test_the_course_template_drops_voila_s_cdn_style_sheets():
    folder = JUPYTER_DATA / "voila" / "templates" / "course"
    assert (folder / "conf.json").exists()
    lab = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    ours = (folder / "index.html.j2").read_text()
    # Every off-site <link> Voila's lab template writes is replaced by nothing in ours.
    links = [line.strip() for line in lab.read_text().splitlines()
             if "<link" in line and "https://" in line]
    assert links and all(f"replace('{link}', '')" in ours for link in links)


class _Handler:
    """What visitor_name reads of a Voila page handler."""

    def __init__(self, provider, user):
        self.identity_provider, self.current_user = provider, user


def test_the_visitor_is_the_hub_user_behind_the_hub_and_the_os_account_without_it():
    import getpass
    from types import SimpleNamespace

    from servicecourse.serving.voila_server import visitor_name

    hub = SimpleNamespace(hub_auth=object())
    assert visitor_name(_Handler(hub, SimpleNamespace(username="amara"))) == "amara"
    assert visitor_name(_Handler(hub, None)) is None
    local = SimpleNamespace()  # Voila's own provider: anonymous users with made-up names
    assert visitor_name(_Handler(local, SimpleNamespace(username="anonymous-Io"))) == getpass.getuser()


# --- the cap on visitors' kernels (servicecourse/serving/kernel_cap.py) ----------------------------------

def test_the_cap_is_half_the_available_memory_over_a_visitor_s_kernel():
    from servicecourse.serving.kernel_cap import KERNEL_MB, kernel_cap

    assert kernel_cap({}, available=20 * KERNEL_MB) == 10
    assert kernel_cap({}, available=21 * KERNEL_MB) == 10  # whole kernels only
    assert kernel_cap({}, available=KERNEL_MB / 2) == 1  # never no room at all


def test_the_setting_overrides_the_memory_rule_and_nonsense_is_refused():
    import pytest

    from servicecourse.serving.kernel_cap import CAP_ENV, kernel_cap

    assert kernel_cap({CAP_ENV: "3"}, available=100_000) == 3
    for bad in ("0", "-2", "lots", "2.5"):
        with pytest.raises(ValueError, match=f"{CAP_ENV}='{bad}'.*whole number"):
            kernel_cap({CAP_ENV: bad}, available=100_000)


def test_the_available_memory_is_read_from_meminfo(tmp_path):
    from servicecourse.serving.kernel_cap import available_mb

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:    2048000 kB\n")
    assert available_mb(meminfo) == 2000
    assert available_mb(tmp_path / "none") is None


def test_the_server_s_option_gives_the_cap_and_the_rest_goes_to_voila():
    import pytest

    from servicecourse.serving.voila_server import _kernel_cap_option

    assert _kernel_cap_option(["apps", "--kernel-cap=5", "--port=1"]) == (5, ["apps", "--port=1"])
    with pytest.raises(SystemExit, match="--kernel-cap=0"):
        _kernel_cap_option(["--kernel-cap=0"])


def test_the_page_with_no_kernel_opens_on_the_role_play_asked_for_and_says_it_is_practice():
    import re

    from servicecourse.roleplay.scenario import load_all
    from servicecourse.serving.page_engine import MARK, NOTICE, roleplay_page

    scenarios = load_all()
    page = roleplay_page("serve-call-centre")
    assert f'class="{MARK}"' in page and NOTICE in page
    assert re.search(r'<option value="serve-call-centre" selected>', page)
    assert page.count("<option ") == len(scenarios) and page.count(" selected>") == 1
    assert 'data-scenario="serve-call-centre"' in page  # the static player's role-play
    assert "https://" not in page and "<script src" not in page  # all in the page
    first = roleplay_page("__proto__")  # asks for no known role-play: the picker's first
    first_id = re.search(r'<option value="([^"]+)"', first).group(1)
    assert f'data-scenario="{first_id}"' in first and f'<option value="{first_id}" selected>' in first

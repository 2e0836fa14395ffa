"""Does the apps' Voila server compile its page templates once, and find the course template?"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter

from servicecourse.voila_server import JUPYTER_DATA, MemoryBytecodeCache, share_compiled_templates


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

    from servicecourse.voila_server import visitor_name

    hub = SimpleNamespace(hub_auth=object())
    assert visitor_name(_Handler(hub, SimpleNamespace(username="amara"))) == "amara"
    assert visitor_name(_Handler(hub, None)) is None
    local = SimpleNamespace()  # Voila's own provider: anonymous users with made-up names
    assert visitor_name(_Handler(local, SimpleNamespace(username="anonymous-Io"))) == getpass.getuser()

"""Does the book build cleanly into a static site that works with no kernel and no internet?"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from servicecourse.course import REPO

from conftest import toc_files

pytestmark = pytest.mark.slow


class _Tags(HTMLParser):
    """Collects (tag, attributes) of every start tag in a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: Path) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page.read_text())
    return parser.tags


def _pages(site: Path) -> list[Path]:
    return [site / f"{name}.html" for name in toc_files()]


def _site_pages(site: Path) -> list[Path]:
    """Every HTML page of the site (not the theme's templates kept in _static)."""
    return [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]


def test_every_chapter_in_the_toc_has_a_page(built_site):
    missing = [p for p in _pages(built_site) if not p.is_file()]
    assert missing == []


def test_no_page_loads_anything_from_another_host(built_site):
    external = []
    for page in _site_pages(built_site):
        for tag, attrs in _tags(page):
            url = attrs.get("src") if tag in {"script", "img", "iframe"} else (
                attrs.get("href") if tag == "link" else None)
            if url and urlparse(url).scheme in {"http", "https"} or (url or "").startswith("//"):
                external.append(f"{page.name}: <{tag}> {url}")
    assert external == []


def test_roleplays_show_their_opening_and_a_play_link_not_dead_widgets(built_site):
    for name in toc_files():
        source = REPO / f"{name}.md"
        embedded = re.findall(r'roleplay\("([^"]+)"\)', source.read_text())
        if not embedded:
            continue
        page = (built_site / f"{name}.html").read_text()
        for scenario_id in embedded:
            assert f'data-scenario="{scenario_id}"' in page, (source.name, scenario_id)
            assert f"roleplay.ipynb?scenario={scenario_id}" in page
        assert 'class="jupyter-widgets' not in page and "widget-button" not in page


def test_every_image_has_alt_text(built_site):
    missing = [f"{page.name}: {attrs.get('src')}" for page in _pages(built_site)
               for tag, attrs in _tags(page) if tag == "img" and not (attrs.get("alt") or "").strip()]
    assert missing == []


def test_every_internal_link_resolves(built_site):
    broken = []
    for page in _site_pages(built_site):
        for tag, attrs in _tags(page):
            url = attrs.get("href") if tag in {"a", "link"} else attrs.get("src") if tag in {"img", "script"} else None
            if not url or urlparse(url).scheme or url.startswith(("#", "//", "mailto:")):
                continue
            target = (page.parent / unquote(urlparse(url).path)).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(built_site)} -> {url}")
    assert broken == []


def test_search_has_an_index_of_the_chapters(built_site):
    index = (built_site / "searchindex.js").read_text()
    assert "serve" in index and (built_site / "search.html").is_file()

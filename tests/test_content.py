"""Is the course content complete, in our own words and practised by sound role-plays?"""

from __future__ import annotations

import re
from itertools import chain
from pathlib import Path

import nbformat
import pytest

from servicecourse.articles import ARTICLES
from servicecourse.engine import Roleplay
from servicecourse.paths import REPO, SOLUTIONS
from servicecourse.scenario import load_all

SOURCES = REPO.parent / "shared" / "sources"
ARTICLE_FILES = {"service-spirit": "000_92b76aeefe51b8b6.txt", "serve": "001_0bf1ff3dc2c1aaac.txt",
                 "management": "002_f0638ec126ef9d26.txt", "culture": "003_ff9b6dae93d83fad.txt",
                 "commitment": "004_0ebc052c1c0ea67b.txt"}
CHAPTERS = {key: REPO / "book" / f"{key}.md" for key in ARTICLES}

# Every idea that ../shared/sources/README.md lists for an article, as words its chapter must use
# (each entry: alternatives, any one of which is enough).
IDEAS = {
    "service-spirit": [["customer experience", "experience a customer"], ["creates value", "create value", "value for"],
                       ["little extra"], ["moments of truth", "moment of truth"], ["weak link"],
                       ["front office"], ["set the example", "sets the example", "by example"],
                       ["satisfaction survey"], ["mystery visit"], ["complaint analysis", "analysing complaints", "complaints analysis"],
                       ["CRM"], ["real situations"], ["recruit"], ["posture"], ["appraisal"],
                       ["values and behaviours", "values and behaviour"]],
    "serve": [["Spirit of service"], ["Embrace solutions"], ["root cause"], ["ownership"],
              ["Respectful communication"], ["not blame", "rather than blame"], ["gossip"],
              ["Value feedback"], ["listen to understand"], ["Empowered excellence"],
              ["celebrate success"]],
    "management": [["industrial", "organised like a factory"], ["silo"], ["support function"], ["serve those who serve", "serving those who serve"],
                   ["meaning"], ["gadget"], ["tangible"], ["basic service"], ["extras"],
                   ["executives"], ["relationship quality", "quality of the relationship"], ["pays"],
                   ["intrapreneur"], ["right to make mistakes"], ["no longer be needed", "no longer needed", "not to be needed"],
                   ["Employee-Customer-Profit Chain"], ["employees first"]],
    "culture": [["reactive"], ["proactive"], ["customer impact", "impact on the customer"],
                ["not customer-facing", "non-customer-facing", "never meet"],
                ["Ritz-Carlton"], ["picture of the customer", "portrait of the customer"],
                ["align"], ["empowerment"], ["servitude"]],
    "commitment": [["flavour of the day"], ["service recovery"], ["base hits"], ["knowledge"],
                   ["will"], ["resources"], ["13 steps", "thirteen steps"],
                   ["assess", "how customers experience you today"], ["continual improvement", "continuous improvement"]],
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def _shingles(words: list[str], size: int = 8) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def _course_texts() -> dict[Path, str]:
    texts = {path: path.read_text() for path in chain((REPO / "book").glob("*.md"),
                                                      (REPO / "scenarios").glob("*.yaml"))}
    for notebook in SOLUTIONS.glob("*/*.ipynb"):
        texts[notebook] = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)
    return texts


def test_no_run_of_eight_words_is_copied_from_an_article():
    titles = [_words(article.title) for article in ARTICLES.values()]
    copied = []
    for path, text in _course_texts().items():
        words = _words(text)
        # A citation names the article by its exact title: that is attribution, not copying.
        own = _shingles(words) - set().union(*(_shingles(t) for t in titles if len(t) >= 8))
        for key, name in ARTICLE_FILES.items():
            shared = own & _shingles(_words((SOURCES / name).read_text()))
            shared -= {s for s in shared for t in titles if " ".join(s) in " ".join(t)}
            copied += [f"{path.name} copies {key}: {' '.join(s)}" for s in sorted(shared)]
    assert copied == []


def test_the_copy_detector_catches_a_copied_sentence():
    article = (SOURCES / ARTICLE_FILES["serve"]).read_text()
    sentence = next(line for line in article.splitlines() if len(line.split()) > 20)
    chapter = "We rewrote this. " + sentence.upper() + " And then our own words."
    assert _shingles(_words(chapter)) & _shingles(_words(article))


@pytest.mark.parametrize("key", ARTICLES)
def test_every_idea_of_the_article_appears_in_its_chapter(key):
    text = CHAPTERS[key].read_text().lower()
    missing = [options[0] for options in IDEAS[key] if not any(o.lower() in text for o in options)]
    assert missing == [], f"{CHAPTERS[key].name} leaves out: {missing}"


@pytest.mark.parametrize("key", ARTICLES)
def test_every_chapter_names_its_article_and_embeds_a_roleplay_of_it(key):
    text = CHAPTERS[key].read_text()
    assert ARTICLES[key].title in " ".join(text.split())
    embedded = re.findall(r'roleplay\("([^"]+)"\)', text)
    scenarios = load_all()
    assert embedded and all(scenarios[s].article == key for s in embedded)
    for section in ("What you will be able to do", "Key takeaways", "Reflection prompts", "Graded exercise"):
        assert f"## {section}" in text, f"{key}: no '{section}' section"


def _paths(scenario, limit: int = 14):
    """Every path (choice indices) from the start to an ending, revisiting no beat."""
    stack = [((), scenario.start, frozenset())]
    while stack:
        path, node, seen = stack.pop()
        if node in scenario.endings:
            yield path
            continue
        if node in seen or len(path) > limit:
            continue
        for index, choice in enumerate(scenario.beats[node].choices):
            stack.append((path + (index,), choice.next, seen | {node}))


def test_the_course_has_enough_varied_scenarios():
    scenarios = load_all().values()
    assert len(scenarios) >= 12
    assert len({s.role for s in scenarios}) >= 8
    for key in ARTICLES:
        assert sum(s.article == key for s in scenarios) >= 2, key


@pytest.mark.parametrize("scenario", load_all().values(), ids=lambda s: s.id)
def test_a_scenario_rewards_the_taught_behaviours(scenario):
    assert len(scenario.beats) >= 4 and len(scenario.endings) >= 3
    assert {e.outcome for e in scenario.endings.values()} >= {"good", "poor"}
    assert all(any(c.score.values()) for b in scenario.beats.values() for c in b.choices)
    totals = {"good": [], "mixed": [], "poor": []}
    reached = set()
    for path in _paths(scenario):
        play = Roleplay(scenario)
        for index in path:
            play.choose(index)
        reached.add(play.ending.id)
        totals[play.ending.outcome].append(sum(play.score.values()))
    assert reached == set(scenario.endings), "every ending is reachable"
    assert min(totals["good"]) > max(totals["poor"]), "a good ending needs better choices than a poor one"

"""Is the course content complete, in our own words and practised by sound role-plays?"""

from __future__ import annotations

import re
from itertools import chain
from pathlib import Path

import nbformat
import pytest

from servicecourse.articles import ARTICLES, NO_DATE
from servicecourse.course import REPO, SOLUTIONS
from servicecourse.roleplay.engine import Roleplay
from servicecourse.roleplay.scenario import load_all

from conftest import toc_files

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
                       ["satisfaction survey"], ["mystery visit"],
                       ["complaint analysis", "analysing complaints", "complaints analysis"],
                       ["CRM"], ["real situations"], ["recruit"], ["posture"], ["appraisal"],
                       ["values and behaviours", "values and behaviour"]],
    "serve": [["Spirit of service"], ["Embrace solutions"], ["root cause"], ["ownership"],
              ["Respectful communication"], ["not blame", "rather than blame"], ["gossip"],
              ["Value feedback"], ["listen to understand"], ["Empowered excellence"],
              ["celebrate success"]],
    "management": [["industrial", "organised like a factory"], ["silo"], ["support function"],
                   ["serve those who serve", "serving those who serve"],
                   ["meaning"], ["gadget"], ["tangible"], ["basic service"], ["extras"],
                   ["executives"], ["relationship quality", "quality of the relationship"], ["pays"],
                   ["intrapreneur"], ["right to make mistakes"],
                   ["no longer be needed", "no longer needed", "not to be needed"],
                   ["Employee-Customer-Profit Chain"], ["employees first"]],
    "culture": [["reactive"], ["proactive"], ["customer impact", "impact on the customer"],
                ["not customer-facing", "non-customer-facing", "never meet"],
                ["Ritz-Carlton"], ["picture of the customer", "portrait of the customer"],
                ["align"], ["empowerment"], ["servitude"]],
    "commitment": [["flavour of the day"], ["service recovery"], ["base hits"], ["knowledge"],
                   ["will"], ["resources"], ["13 steps", "thirteen steps"],
                   ["assess", "how customers experience you today"],
                   ["continual improvement", "continuous improvement"]],
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


# What the course adds to the articles: models, measures and claims of other authors or its own.
# Each: (words that show it, words that credit it). In a section of the book that speaks for an
# article, an addition needs its credit somewhere in the section, or a "course's own" label in
# its own paragraph.
ADDITIONS = {
    "the service-profit chain": (r"service[- ]profit chain|profit and growth"
                                 r"|loyal customers[^.]{0,60}\b(grow|growth|profit|results)\b", ["Heskett"]),
    "the definition of a moment of truth": (r"\bmoments? of truth\W{0,4}(is|are|means)\b", ["Normann", "Carlzon"]),
    "the Net Promoter Score": (r"\bNPS\b|Net Promoter", ["Reichheld"]),
    "CSAT": (r"\bCSAT\b", ["survey convention"]),
    "the Pareto chart": (r"Pareto|80/20", ["Juran"]),
    "a claim of what is most common": (r"\bmost (common|frequent) (mistake|error|cause|reason)", []),
}
SPEAKS_FOR_AN_ARTICLE = re.compile(r"\bthe article\b|\barticle's\b|\baccording to\b|Meyronin|Quérat-Hément",
                                   re.IGNORECASE)
OWN_LABEL = re.compile(r"course's own|not (from|in) the (source )?articles?|the article does not", re.IGNORECASE)


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, text) of each level-2 section of a page, its subsections included; the part
    before the first one is headed "(top)"."""
    parts = re.split(r"^(## .*)$", text, flags=re.MULTILINE)
    return [("(top)", parts[0])] + [(parts[i][3:], parts[i + 1]) for i in range(1, len(parts), 2)]


def unlabelled_additions(text: str) -> list[str]:
    """"heading: addition" for each addition of the course that a section of ``text`` speaking for
    an article contains with neither its credit in the section nor a label in its paragraph."""
    found = []
    for heading, section in _sections(text):
        if not SPEAKS_FOR_AN_ARTICLE.search(section):
            continue
        paragraphs = re.split(r"\n\s*\n", section)
        for addition, (pattern, credits) in ADDITIONS.items():
            if any(name in section for name in credits):
                continue
            if any(re.search(pattern, p) and not OWN_LABEL.search(p) for p in paragraphs):
                found.append(f"{heading}: {addition}")
    return found


def test_no_chapter_puts_an_addition_of_the_course_in_an_article_s_mouth():
    """Does every section that speaks for an article credit or label what the course added?"""
    found = {path.name: unlabelled_additions(path.read_text()) for path in sorted((REPO / "book").glob("*.md"))}
    assert {name: hits for name, hits in found.items() if hits} == {}


@pytest.mark.parametrize("passage, addition", [
    ("## Moments of truth\n\nA **moment of truth** is any point where the customer meets the company. "
     "The article asks the whole organisation to make these moments succeed.\n",
     "the definition of a moment of truth"),
    ("## The chain\n\nThe article ends with the chain: engaged staff serve better, and satisfied, loyal "
     "customers are what make the business grow.\n", "the service-profit chain"),
    ("## Measuring\n\nThe article lists surveys.\n\n### Reading a survey\n\nThe NPS is promoters minus "
     "detractors.\n", "the Net Promoter Score"),
    ("## Measuring\n\nThe article lists complaint analysis. A Pareto chart sorts causes.\n", "the Pareto chart"),
    ("## Why service fails\n\nThe article asks three questions. The most common mistake is to lecture "
     "people who already care.\n", "a claim of what is most common"),
])
def test_the_attribution_check_catches_an_addition_in_an_article_s_mouth(passage, addition):
    """Is an addition flagged when its section speaks for the article, cleared by its credit in the
    section or a label in its paragraph, and not by a credit in another section?"""
    flagged = [f"{passage.splitlines()[0][3:]}: {addition}"]
    assert unlabelled_additions(passage) == flagged
    credits = ADDITIONS[addition][1]
    fix = f"(After {credits[0]}.)" if credits else "(This warning is the course's own.)"
    assert unlabelled_additions(passage + fix) == []
    assert unlabelled_additions(passage + "\n## Elsewhere\n\nThe article. " + fix) == flagged
    assert unlabelled_additions(passage.replace("The article", "Our course")) == []
    if not credits:
        assert unlabelled_additions(passage + "\nOther point: the course's own.") == flagged


# Wrong descriptions of the sources that issue 13 found, and that must not come back.
MISATTRIBUTIONS = [r"(published by|publisher\W*)\W*Influence Savvy", r"interview with Xavier",
                   r"listen(ing)? to understand rather than to answer back", r"most common mistake"]


def test_no_known_misattribution_of_a_source_is_back():
    """Is no source called by a wrong name (Influence Savvy as publisher, an interview) or misquoted?"""
    found = [f"{path.name}: {pattern}" for path in sorted((REPO / "book").glob("*.md"))
             for pattern in MISATTRIBUTIONS if re.search(pattern, " ".join(path.read_text().split()), re.IGNORECASE)]
    assert found == []


def _quotations_given_as_the_article_s(text: str) -> list[str]:
    """Phrases in double quotation marks in a sentence of prose that says the article said them
    (not questions, nor the article's own title)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    quoted = []
    for paragraph in re.split(r"\n\s*\n", prose):
        if paragraph.lstrip().startswith("#"):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
            if (re.search(r"\barticle('s)?\b|\bMeyronin\b|\bhe (adds|writes)\b", sentence)
                    and not re.search(r'\barticle \*?\*?"', sentence)):
                quoted += [q for q in re.findall(r'"([^"]{12,})"', sentence) if not q.endswith("?")]
    return quoted


def _plain(text: str) -> str:
    """The words of ``text``, lower case, without punctuation or quotation marks, space-delimited."""
    return f" {' '.join(w.strip(chr(39)) for w in _words(text))} "


@pytest.mark.parametrize("key", ARTICLES)
def test_what_a_chapter_quotes_from_its_article_is_the_article_s_exact_words(key):
    """Is every phrase a chapter quotes as its article's found, word for word, in the article?"""
    article = _plain((SOURCES / ARTICLE_FILES[key]).read_text())
    quotations = _quotations_given_as_the_article_s(CHAPTERS[key].read_text())
    assert quotations, "the check found no quotation to check"
    assert [q for q in quotations if _plain(q) not in article] == []


def test_the_quotation_check_catches_a_misquote():
    """Is "listening to understand replaces listening to answer back" caught as a misquote?"""
    article = _plain((SOURCES / ARTICLE_FILES["serve"]).read_text())
    bad = 'The article puts it so: "listening to understand replaces listening to answer back".'
    good = 'The article puts it so: "Listening to understand replaces listening to respond".'
    assert _quotations_given_as_the_article_s(bad) == ["listening to understand replaces listening to answer back"]
    assert _plain(_quotations_given_as_the_article_s(bad)[0]) not in article
    assert _plain(_quotations_given_as_the_article_s(good)[0]) in article


def _source_note(text: str) -> str:
    return text.split("```{admonition} Source", 1)[1].split("```", 1)[0]


UNDATED = re.compile(r"\bundated\b|\bno date\b|\bdates? (are |is )?not given|\bdate the page does not give")


@pytest.mark.parametrize("key", ARTICLES)
def test_every_chapter_says_who_published_its_article_and_when(key):
    """Does a chapter's source note give the publisher and date articles.py knows, or say there is none?"""
    article, note = ARTICLES[key], " ".join(_source_note(CHAPTERS[key].read_text()).split())
    if "not" not in article.publisher:
        assert article.publisher in note
    assert (article.date in note) if article.date != NO_DATE else UNDATED.search(note), note


def test_the_references_give_each_article_s_author_publisher_and_date():
    """Does each article's entry on the references page carry what articles.py knows of it?"""
    page = " ".join((REPO / "book" / "references.md").read_text().split())
    entries = dict(re.findall(r'### "([^"]+)" (.*?)(?=### |## |$)', page))
    for article in ARTICLES.values():
        entry = entries[article.title]
        assert f"**Author:** {article.author}" in entry, article.key
        assert f"**Publisher:** {article.publisher}" in entry, article.key
        assert f"**Date:** {article.date}" in entry, article.key


def _toc_chapters() -> list[str]:
    return [Path(page).name for page in toc_files()[1:]]


def test_the_capstone_recap_lists_the_chapters_in_the_book_s_order():
    """Does "Five chapters, one picture" name the chapters in the order of _toc.yml?"""
    recap = dict(_sections((REPO / "book" / "capstone.md").read_text()))["Five chapters, one picture"]
    named = list(dict.fromkeys(re.findall(r"^- \{doc\}`([^`]+)`", recap, flags=re.MULTILINE)))
    assert named == [c for c in _toc_chapters() if c in ARTICLES]


def test_the_first_chapter_does_not_rely_on_serve_before_it_is_taught():
    """Does every paragraph of the culture chapter that names SERVE say it comes in the next chapter?"""
    assert _toc_chapters()[:2] == ["culture", "serve"]
    paragraphs = re.split(r"\n\s*\n", CHAPTERS["culture"].read_text())
    early = [p for p in paragraphs if re.search(r"\bSERVE\b", p) and "next chapter" not in p]
    assert early == []


def _glossary_entries() -> dict[tuple[str, ...], str]:
    """Terms of an entry (its unindented lines) -> the page its "See {doc}`...`" sends the reader to."""
    text = (REPO / "book" / "glossary.md").read_text()
    entries = re.findall(r"^((?:\S[^\n]*\n)+)((?:  [^\n]*\n)+)", text, flags=re.MULTILINE)
    return {tuple(terms.split("\n")[:-1]): re.findall(r"See \{doc\}`([^`]+)`", " ".join(body.split()))[-1]
            for terms, body in entries if "{doc}" in body}


def test_every_glossary_entry_sends_the_reader_to_a_page_that_explains_the_term():
    """Does the page a glossary entry points to use the term (path codes where they are explained)?"""
    entries = _glossary_entries()
    assert entries[("Path code",)] == "intro" and len(entries) > 40
    intro = " ".join((REPO / "book" / "intro.md").read_text().split())
    assert all(words in intro for words in ("are practice", "first complete play", "course app on the hub"))
    missing = []
    for terms, page in entries.items():
        text = " ".join((REPO / "book" / f"{page}.md").read_text().replace("*", "").lower().split())
        if not any(all(part.strip().rstrip("s") in text for part in re.split(r",| not ", term.lower()))
                   for term in terms):
            missing.append(f"{' / '.join(terms)} -> {page}")
    assert missing == []


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

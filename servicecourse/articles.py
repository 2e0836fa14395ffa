"""The five source articles the course is written from, keyed by a short id."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """A source article as the course cites it."""

    key: str
    title: str
    author: str


ARTICLES = {
    article.key: article
    for article in (
        Article("service-spirit", "Service Spirit: how to disseminate it in the company?",
                "interview with Xavier Quérat-Hément, Association Esprit de Service France"),
        Article("serve", "Service Excellence: Do you SERVE?", "Influence Savvy"),
        Article("management", "Customer-centric culture: what about management?",
                "Benoît Meyronin, Académie du Service"),
        Article("culture", "What is a culture of service?",
                "introduction to the course \"Creating a Culture of Service\""),
        Article("commitment", "The Importance Of Building An Organization-Wide Service Commitment",
                "unsigned article"),
    )
}

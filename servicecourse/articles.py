"""The five source articles the course is written from, keyed by a short id, in course order.

What is known of each comes from the article's own text in ../shared/sources/: where a text
names no author, publisher or date, the field says so (`NOT_NAMED`, `NO_DATE`) rather than guess.
"""

from dataclasses import dataclass

NOT_NAMED = "not named"
NO_DATE = "date not given"


@dataclass(frozen=True)
class Article:
    """A source article as the course cites it.

    `kind` says what sort of text it is; `publisher` is who put it out or the platform that
    carries it; `date` is the publication date as the text gives it.
    """

    key: str
    title: str
    kind: str
    author: str
    publisher: str
    date: str


ARTICLES = {
    article.key: article
    for article in (
        Article("culture", "What is a culture of service?",
                kind="the transcript of the introduction video of the online course "
                     "\"Creating a Culture of Service\"",
                author=NOT_NAMED, publisher="LinkedIn Learning", date=NO_DATE),
        Article("serve", "Service Excellence: Do you SERVE?",
                kind="a web article filed under the category \"Influence Savvy\" (a category "
                     "of the site, not its publisher)",
                author=NOT_NAMED, publisher=NOT_NAMED, date=NO_DATE),
        Article("service-spirit", "Service Spirit: how to disseminate it in the company?",
                kind="an expert-opinion piece (not an interview) giving the view of Xavier "
                     "Quérat-Hément, who presides over the Association Esprit de Service France",
                author=NOT_NAMED, publisher="a website the text does not name", date=NO_DATE),
        Article("management", "Customer-centric culture: what about management?",
                kind="a post on the publisher's blog covering the same ground as the talk he gave "
                     "at the 36th conference of AMARC, a French association of customer-complaint "
                     "managers",
                author="Benoît Meyronin", publisher="Académie du Service UK",
                date="28 November 2016"),
        Article("commitment", "The Importance Of Building An Organization-Wide Service Commitment",
                kind="a web article of a training provider, which ends by inviting readers to "
                     "call about its learning and development programmes",
                author=NOT_NAMED, publisher="a training provider's website the text does not name",
                date=NO_DATE),
    )
}

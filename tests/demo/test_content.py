"""The demo articles: every page parses under its real URL into the article written, free of page noise, and
the default topic keeps exactly the articles about the story."""

from __future__ import annotations

import re

import pytest

from crawler.config import load_config
from crawler.demo import DemoSite, bbc_pages, liputan6_pages, load_articles, outlet_pages
from crawler.demo.catalog import CatalogError, DemoArticle, last_step
from crawler.extract.pages import parse_article
from crawler.extract.urls import article_id_for, canonical_url
from crawler.story.relevance import evaluate

# What the pages carry around the text and no article body may keep.
NOISE = re.compile(r"baca juga|advertisement|saksikan video|infografis|lanjutkan membaca|perbesar|tag terkait"
                   r"|\d+ dari \d+ halaman|image caption|image source|related topics|more on this story",
                   re.IGNORECASE)
SITE = DemoSite(step=last_step())


def _served(site: str) -> list[DemoArticle]:
    """Every article the site serves at some step, as it reads at the last step."""
    return [a.at(last_step()) for a in load_articles(site) if a.removed_at != 0]


def _page(article: DemoArticle, mobile_host: bool = False) -> str:
    related = [a for a in SITE.articles(article.site) if a.id != article.id]
    if article.site == "liputan6":
        return liputan6_pages.article_page(article, related, mobile_host)
    if article.site == "caspian":
        return outlet_pages.article_page(article, related)
    return bbc_pages.article_page(article, related)


def test_the_backlog_has_the_story_and_unrelated_articles_on_both_sites() -> None:
    for site in ("liputan6", "bbc"):
        at_start = DemoSite(step=0).articles(site)
        assert len([a for a in at_start if a.relevant]) >= 8
        assert len([a for a in at_start if not a.relevant]) >= 4
        days = {a.published.date().isoformat() for a in at_start if a.relevant}
        assert min(days) <= "2022-01-03" and max(days) >= "2022-01-10"


def test_article_ids_are_ids_of_the_real_sites() -> None:
    for article in load_articles("liputan6"):
        assert 4_800_000 <= int(article.id) < 4_900_000
        assert article_id_for(article.url) == article.id
    for article in load_articles("bbc"):
        assert article_id_for(article.url) == article.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*-59[89]\d{5}|[a-z0-9]{12}", article.id)


@pytest.mark.parametrize("article", _served("liputan6"), ids=lambda a: a.id)
@pytest.mark.parametrize("mobile_host", [False, True], ids=["www", "m"])
def test_liputan6_pages_parse_into_the_written_article(article: DemoArticle, mobile_host: bool) -> None:
    host = "m.liputan6.com" if mobile_host else "www.liputan6.com"
    html = _page(article, mobile_host)
    assert NOISE.search(html), "the page should carry the noise the cleaner removes"
    parsed = parse_article(f"https://{host}{article.path}", html)
    assert parsed.source == "liputan6"
    assert parsed.article_id == article.id
    assert parsed.url == canonical_url(article.url)
    assert parsed.title == article.title
    assert parsed.lead == article.lead
    assert parsed.published_at == article.published.isoformat()
    assert parsed.section == article.channel
    assert parsed.tags == list(article.tags)
    assert set(article.authors) <= set(parsed.authors)
    assert parsed.language == "id"
    # The dateline opens the first paragraph, as on the real site; otherwise the body is the text written.
    assert parsed.paragraphs[0] == "Liputan6.com, Jakarta - " + article.paragraphs[0]
    assert parsed.paragraphs[1:] == article.paragraphs[1:]
    assert not NOISE.search(parsed.body)


@pytest.mark.parametrize("article", _served("bbc"), ids=lambda a: a.id)
def test_bbc_pages_parse_into_the_written_article(article: DemoArticle) -> None:
    html = _page(article)
    assert NOISE.search(html)
    parsed = parse_article(article.url.replace("www.bbc.com", "www.bbc.co.uk"), html)
    assert (parsed.source, parsed.article_id, parsed.url) == ("bbc", article.id, article.url)
    assert parsed.title == article.title
    assert parsed.lead == article.lead
    assert parsed.published_at == article.published.isoformat()
    assert parsed.section == article.section
    assert parsed.tags == list(article.tags)
    assert parsed.authors == list(article.authors)
    assert parsed.paragraphs == article.paragraphs
    assert not NOISE.search(parsed.body)
    for other in SITE.articles("bbc"):
        if other.id != article.id:
            assert other.title not in parsed.body  # the related-story boxes stay out


def test_pages_read_as_written_spot_checks() -> None:
    """A few values read off the content files by hand, so a change in the templates cannot hide."""
    troops = SITE.article("liputan6", "4826148")
    assert troops is not None
    parsed = parse_article("https://m.liputan6.com/global/read/4826148/x", _page(troops, True))
    assert parsed.title == "Pasukan Penjaga Perdamaian CSTO Tiba di Kazakhstan"
    assert parsed.published_at == "2022-01-07T09:30:00+07:00"
    assert "Yulia Pratiwi" in parsed.authors
    assert "sekitar 2.500 personel" in parsed.body
    assert "Almaty Masih Mencekam" in parsed.paragraphs  # a subheading is its own paragraph
    arrival = SITE.article("bbc", "cd1y7w4m3zqo")
    assert arrival is not None
    parsed = parse_article("https://www.bbc.com/news/articles/cd1y7w4m3zqo", _page(arrival))
    assert parsed.title == "Russian-led troops arrive in Kazakhstan as gunfire heard in Almaty"
    assert parsed.published_at == "2022-01-06T14:50:00+00:00"
    assert parsed.section == "Europe"
    assert parsed.authors == ["Ivan Petrovsky"]
    assert "Dozens killed" in parsed.paragraphs


def test_the_layouts_differ_as_the_real_ones_do() -> None:
    mobile = _page(SITE.article("liputan6", "4824902"))  # type: ignore[arg-type]
    desktop = _page(SITE.article("liputan6", "4825377"))  # type: ignore[arg-type]
    assert 'class="article-header__title"' in mobile and "2 dari 5 halaman" in mobile
    assert "Saksikan Video Pilihan Berikut Ini:" in mobile
    assert 'class="read-page--header--title' in desktop and "article-content-body__item-page" in desktop
    nextjs = _page(SITE.article("bbc", "c3g5vx0l2k8o"))  # type: ignore[arg-type]
    blocks = _page(SITE.article("bbc", "world-asia-59874560"))  # type: ignore[arg-type]
    assert 'id="__NEXT_DATA__"' in nextjs
    assert "__NEXT_DATA__" not in blocks and 'data-component="text-block"' in blocks


@pytest.mark.parametrize("site", ["liputan6", "bbc", "caspian"])
def test_the_default_topic_keeps_the_story_and_rejects_the_rest(site: str) -> None:
    topics = load_config(None).topics
    for article in (a.at(last_step()) for a in load_articles(site)):
        parsed = parse_article(article.url, _page(article))
        matched = [m.topic for m in evaluate(parsed, topics)]
        assert matched == (["kazakhstan-unrest"] if article.relevant else []), article.id


def test_the_passing_mention_names_kazakhstan_once_and_is_rejected() -> None:
    mention = SITE.article("liputan6", "4825880")
    assert mention is not None and not mention.relevant
    parsed = parse_article(mention.url, _page(mention))
    assert parsed.body.count("Kazakhstan") == 1
    assert evaluate(parsed, load_config(None).topics) == []


def test_updates_change_the_text_from_their_step_on() -> None:
    detained = next(a for a in load_articles("liputan6") if a.id == "4828015")
    assert "5.800 orang telah ditahan" in detained.at(0).body[0]
    assert "hampir 10.000 orang telah ditahan" in detained.at(1).body[0]
    assert detained.at(1).title.startswith("Hampir 10.000 Orang Ditahan")
    assert detained.at(1).last_modified > detained.at(0).last_modified
    assert detained.at(2) == detained.at(1)


def test_an_update_that_does_not_apply_is_refused() -> None:
    broken = next(a for a in load_articles("bbc") if a.updates)
    from dataclasses import replace

    update = replace(broken.updates[0], replace=(("words that are not in the body", "x"),))
    with pytest.raises(CatalogError, match="does not have"):
        replace(broken, updates=(update,)).at(update.step)

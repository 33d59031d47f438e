"""Extraction benchmark: our extractor against trafilatura (default and fast modes) on the recorded pages.

Run from the repository root: `.venv/bin/python bench/extraction.py` (reads ../shared, or $NEWSWATCH_SHARED).

For every recorded article page it prints:
- body precision / recall / F1 against the pages with full ground truth (readability `bbc-1` with captions
  stripped; fundus with lead + body compared to summary + sections), on sets of word 4-gram shingles of
  `\\w+` tokens (case-folded); the averages are per-page precision and recall averaged over pages, and the F1
  of those two averages;
- the count of known noise strings (ad labels, related-link headings, page furniture) leaked into the text;
- pages per second of each extractor over all pages (best of several rounds, after a warm-up round).
A parser that raises is reported on its page and scores zero there; the run goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# This checkout's code, not whichever one the virtualenv's editable install points at (a worktree's run
# measured the main checkout before).
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSWATCH_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"

SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")

# Strings that are never article text on these sites: if they show up in an extracted body, noise leaked.
NOISE_ID = ("Baca Juga", "Simak Video", "Saksikan Video", "Scroll down to continue", "Lanjutkan Membaca",
            "Tag Terkait", "Berita Terkini", "Gambas:Video", "Periksa kembali dan lengkapi data dirimu",
            "JernihBerkomentar", "Cek berita dan artikel", "Lihat Selengkapnya", "Advertisement",
            "div-gpt-ad", "All Rights Reserved")
NOISE_BBC = ("Image source", "Image caption", "Media caption", "Related Topics", "More on this story",
             "Share this with", "Copy this link", "Top Stories", "Most Read", "Advertisement",
             "not responsible for the content of external sites", "All Rights Reserved")


# -- scoring (pure functions, tested in tests/bench/test_scoring.py) --

def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[tuple[str, ...]]:
    """The set of word `size`-grams of `text`; a text shorter than `size` words is one shingle of itself."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < size:
        return {tuple(words)}
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def precision_recall(extracted: str, truth: str, size: int = SHINGLE_SIZE) -> tuple[float, float]:
    """Shingle precision and recall of `extracted` against `truth`. An empty extraction scores 0, 0."""
    got, want = shingles(extracted, size), shingles(truth, size)
    if not got or not want:
        return 0.0, 0.0
    common = len(got & want)
    return common / len(got), common / len(want)


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def count_noise(text: str, noise: Iterable[str]) -> int:
    """Occurrences of the known noise strings in `text`, case-insensitively."""
    folded = text.casefold()
    return sum(folded.count(s.casefold()) for s in noise if s)


def average_scores(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Per-page (precision, recall) averaged over pages, and the F1 of the two averages."""
    if not pairs:
        return 0.0, 0.0, 0.0
    p = statistics.fmean(pair[0] for pair in pairs)
    r = statistics.fmean(pair[1] for pair in pairs)
    return p, r, f1(p, r)


# -- ground truth --

def readability_truth(path: Path) -> str:
    """Text of readability's expected article HTML, image captions stripped (they are not body text)."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    for el in root.xpath("//figure | //figcaption | //*[contains(@class, 'caption')] | //img"):
        el.drop_tree()
    blocks = root.xpath("//p | //li | //h1 | //h2 | //h3 | //h4 | //blockquote")
    return "\n".join(" ".join(b.text_content().split()) for b in blocks if b.text_content().strip())


def fundus_truth(path: Path, key: str) -> str:
    """A fundus ground truth's summary plus every section's headline and paragraphs."""
    body = json.loads(path.read_text(encoding="utf-8"))[key]["body"]
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts.extend(section.get("headline") or [])
        parts.extend(section.get("paragraphs") or [])
    return "\n".join(parts)


def evaldata_without(path: Path, url: str) -> tuple[str, ...]:
    """trafilatura's own evaluation data lists snippets that must not be extracted: more known noise."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(data.get(url, {}).get("without") or ())


# -- the pages --

@dataclass
class BenchPage:
    relative: str  # under fixtures/
    url: str
    noise: tuple[str, ...]
    truth: Callable[[], str] | None = None
    extra_noise: Callable[[], tuple[str, ...]] | None = None
    html: str = field(default="", repr=False)


def _fx(relative: str) -> Path:
    return FIXTURES / relative


def bench_pages() -> list[BenchPage]:
    bbc_json = _fx("bbc/fundus/BBC.json")
    mi_json = _fx("indonesian_other/fundus_MediaIndonesia.json")
    traf_url = "https://www.bbc.com/news/world-us-canada-52241221"
    return [
        BenchPage("liputan6/m_global_read_4464894__m.liputan6-detail.html",
                  "https://www.liputan6.com/global/read/4464894/update-23-januari-2021-98-juta-kasus-covid-19-di-"
                  "dunia-akan-tembus-100-juta", NOISE_ID),
        BenchPage("liputan6/m_tekno_read_4804339__read-page.html",
                  "https://www.liputan6.com/tekno/read/4804339/cetak-gol-di-laga-indonesia-vs-malaysia-irfan-jaya-"
                  "hingga-elkan-baggott-jadi-perbincangan-warganet", NOISE_ID),
        BenchPage("liputan6/m_hot_read_4611435__lazzy-liputan6.html",
                  "https://www.liputan6.com/hot/read/4611435/5-potret-cassandra-lee-pakai-busana-putri-kerajaan-"
                  "turki-memesona", NOISE_ID),
        BenchPage("liputan6/m_news_read_4541831__foto-kondisi-kapal-selam-kri-nanggala-402.html",
                  "https://www.liputan6.com/news/read/4541831/foto-kondisi-kapal-selam-kri-nanggala-402-yang-"
                  "tenggelam-di-perairan-bali", (*NOISE_ID, "kly-ads")),
        BenchPage("liputan6/anpandu_2016/liputan6-singlepage.html",
                  "http://tekno.liputan6.com/read/2436773/tri-indonesia-broadband-dorong-ekosistem-digital-dalam-"
                  "negeri", NOISE_ID),
        BenchPage("liputan6/anpandu_2016/liputan6-singlepage2.html",
                  "http://showbiz.liputan6.com/read/2437019/london-love-story-tembus-800-ribu-penonton-ini-"
                  "rahasianya", NOISE_ID),
        BenchPage("liputan6/anpandu_2016/liputan6-singlepage3.html",
                  "http://photo.liputan6.com/musik/hadiri-grammy-awards-2016-taylor-swift-dan-selena-gomez-peluk-"
                  "pelukan-2437247", NOISE_ID),
        BenchPage("bbc/readability_bbc-1_source.html", "http://www.bbc.com/news/world-us-canada-33646704",
                  NOISE_BBC, truth=lambda: readability_truth(_fx("bbc/readability_bbc-1_expected.html"))),
        BenchPage("bbc/keepcosmos-readability_bbc_business-36108166.html",
                  "http://www.bbc.com/news/business-36108166", NOISE_BBC),
        BenchPage("bbc/article-date-extractor_bbc_world-middle-east-39298218.html",
                  "http://www.bbc.com/news/world-middle-east-39298218", NOISE_BBC),
        BenchPage("bbc/trafilatura_bbc.com.52241221.html", traf_url, NOISE_BBC,
                  extra_noise=lambda: evaldata_without(_fx("bbc/trafilatura_bbc.com.52241221.evaldata.json"),
                                                       traf_url)),
        BenchPage("bbc/fundus/BBC_2024_08_01.html", "https://www.bbc.com/news/explainers-63159607",
                  NOISE_BBC, truth=lambda: fundus_truth(bbc_json, "V1")),
        BenchPage("bbc/fundus/BBC_2026_04_25.html", "https://www.bbc.com/news/articles/clymn8zyrp9o",
                  NOISE_BBC, truth=lambda: fundus_truth(bbc_json, "V2")),
        BenchPage("bbc/fundus/BBC_2024_07_25.html", "https://www.bbc.co.uk/sport/cricket/articles/c4n1l6wx98go",
                  NOISE_BBC),
        BenchPage("bbc/other/goose3_test_bbc_chinese.html",
                  "http://www.bbc.co.uk/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml",
                  NOISE_BBC),
        BenchPage("indonesian_other/fundus_MediaIndonesia_2026_01_20.html",
                  "https://mediaindonesia.com/ekonomi/851796/dari-petani-hingga-pendidik-bangsa-begini-pesan-kuat-"
                  "di-wisuda-igi-school-of-economics-jakarta-2025", NOISE_ID,
                  truth=lambda: fundus_truth(mi_json, "V1")),
        BenchPage("indonesian_other/htmldate_health.detik.com-Stroke.html",
                  "https://health.detik.com/true-story/d-7016153/curhat-wanita-kena-stroke-di-umur-26-ketahuan-saat-"
                  "terkapar-di-kamar-mandi", NOISE_ID),
        BenchPage("indonesian_other/htmldate_money.kompas.com-Menhub.html",
                  "https://money.kompas.com/read/2023/11/02/213419026/menhub-bocorkan-penyebab-harga-tiket-pesawat-"
                  "masih-mahal", NOISE_ID),
    ]


# -- the extractors --

def ours(url: str, html: str) -> str:
    """Our article text: lead (when the parser sets one) and body."""
    from crawler.extract.pages import parse_article

    article = parse_article(url, html)
    return "\n".join(part for part in (article.lead or "", article.body) if part)


def trafilatura_default(url: str, html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def trafilatura_fast(url: str, html: str) -> str:
    """trafilatura without its readability/jusText fallback comparison: the fair speed baseline."""
    import trafilatura

    return trafilatura.extract(html, url=url, fast=True) or ""


@dataclass
class Outcome:
    text: str = ""
    error: str | None = None


def run_once(extractor: Callable[[str, str], str], pages: list[BenchPage]) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    start = time.perf_counter()
    for page in pages:
        try:
            outcomes.append(Outcome(text=extractor(page.url, page.html)))
        except Exception as exc:  # a parser bug must not stop the benchmark: it is reported per page
            outcomes.append(Outcome(error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"))
    return outcomes, time.perf_counter() - start


def measure(extractors: list[Callable[[str, str], str]], pages: list[BenchPage],
            rounds: int) -> list[tuple[list[Outcome], float]]:
    """Per extractor: the outcomes of a warm-up round, and its best time over `rounds` timed rounds.

    Rounds alternate between the extractors, so a load spike on a shared machine hits both alike.
    """
    warm = [run_once(extractor, pages)[0] for extractor in extractors]
    best = [float("inf")] * len(extractors)
    for _ in range(max(rounds, 1)):
        for i, extractor in enumerate(extractors):
            best[i] = min(best[i], run_once(extractor, pages)[1])
    return list(zip(warm, best, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per extractor (default 5)")
    parser.add_argument("--debug", action="store_true", help="print tracebacks of parser errors")
    args = parser.parse_args(argv)

    if not FIXTURES.is_dir():
        print(f"recorded pages not found at {FIXTURES}: put ../shared beside the repository "
              "or set NEWSWATCH_SHARED", file=sys.stderr)
        return 2
    from crawler.extract.decoding import decode_html

    pages = bench_pages()
    for page in pages:
        page.html = decode_html(_fx(page.relative).read_bytes())

    measured = measure([ours, trafilatura_default, trafilatura_fast], pages, args.rounds)
    (our_out, our_time), (traf_out, traf_time), (fast_out, fast_time) = measured

    name_width = max(len(Path(p.relative).name) for p in pages)
    print(f"{'page':<{name_width}}  {'ours P/R/F1':>17}  {'traf P/R/F1':>17}  {'fast P/R/F1':>17}  "
          "noise ours/traf/fast")
    pr: list[list[tuple[float, float]]] = [[], [], []]
    noise_total = [0, 0, 0]
    errors: list[str] = []
    for page, *outcomes in zip(pages, our_out, traf_out, fast_out, strict=True):
        noise = page.noise + (page.extra_noise() if page.extra_noise else ())
        counts = [count_noise(outcome.text, noise) for outcome in outcomes]
        noise_total = [a + b for a, b in zip(noise_total, counts, strict=True)]
        scores = ["", "", ""]
        if page.truth is not None:
            truth = page.truth()
            for i, outcome in enumerate(outcomes):
                p, r = precision_recall(outcome.text, truth)
                pr[i].append((p, r))
                scores[i] = f"{p:.2f}/{r:.2f}/{f1(p, r):.2f}"
        mine = outcomes[0]
        note = f"  ERROR {mine.error}" if mine.error else ""
        if mine.error:
            errors.append(f"{page.relative}: {mine.error}")
        print(f"{Path(page.relative).name:<{name_width}}  {scores[0]:>17}  {scores[1]:>17}  {scores[2]:>17}  "
              f"{'/'.join(str(c) for c in counts)}{note}")

    (p_o, r_o, f_o), (p_t, r_t, f_t), (p_f, r_f, f_f) = (average_scores(bucket) for bucket in pr)
    pps_o, pps_t, pps_f = (len(pages) / t for t in (our_time, traf_time, fast_time))
    from crawler.extract.pages import generic

    print()
    print(f"pages: {len(pages)} ({len(pr[0])} with full ground truth), timed rounds: {args.rounds}")
    print(f"the generic path runs trafilatura in its {'fast' if generic.FAST else 'default (full)'} mode")
    print(f"body F1 (avg P/R over pages)  ours {f_o:.3f} (P {p_o:.3f} R {r_o:.3f})   "
          f"trafilatura {f_t:.3f} (P {p_t:.3f} R {r_t:.3f})   fast {f_f:.3f} (P {p_f:.3f} R {r_f:.3f})   "
          f"ratio {f_o / f_t if f_t else float('nan'):.3f}")
    print(f"noise strings leaked          ours {noise_total[0]}   trafilatura {noise_total[1]}   "
          f"fast {noise_total[2]}")
    print(f"pages per second              ours {pps_o:.1f}   trafilatura {pps_t:.1f}   fast {pps_f:.1f}   "
          f"ratio {pps_o / pps_t:.2f} (vs fast {pps_o / pps_f:.2f})")
    print(f"parser errors                 {len(errors)}")
    for line in errors:
        print(f"  {line}")
    if args.debug and errors:
        for page in pages:
            try:
                ours(page.url, page.html)
            except Exception:
                traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())

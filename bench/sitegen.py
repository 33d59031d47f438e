"""A synthetic Liputan6-style site for the crawl benchmark: N article pages of realistic size, tag listings.

    site = BenchSite.build(2000)                # 2000 articles, newest first on the tag listing
    site.page("/tag/berita-terkini?page=3")     # -> the body in chunks (b"".join them), or None (a 404)
    site.subset(500)                            # the 500 newest, sharing the same page bytes
    site.relevant_ids()                         # the ids written about the January 2022 unrest

The article and listing markup is the demo site's (crawler/demo/liputan6_pages.py: the mobile and desktop
`article-content-body` layouts and the `articles--rows--item` listings), so the pages stay in the shapes the
parser and the discovery code accept. Around it goes what makes a real Liputan6 page weigh ~300 KB: a
stylesheet, dozens of inline scripts (one bundle of ~130 KB, a config blob, analytics snippets), navigation
menus, inline SVG icons, teaser boxes and a footer. Measured on the recorded pages: ~900 elements, about half
the bytes inline script, ~20 KB of CSS, ~100-180 links. That furniture is the same on every page (as on the
real site), so it is built once; only the article itself differs from page to page.

Text comes from word lists written here: Indonesian sentences about sport, technology, business, health and
entertainment, and for one page in `relevant_every` sentences about the unrest in Kazakhstan that match the
default topic `kazakhstan-unrest` (a Kazakh place or name in the title, unrest vocabulary in lead and body).
Everything is deterministic for a given (pages, seed).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

from crawler.demo.catalog import DemoArticle
from crawler.demo.liputan6_pages import desktop_article, listing_page, mobile_article

WIB = timezone(timedelta(hours=7), "WIB")
TAG = "berita-terkini"
PER_LISTING_PAGE = 20  # rows per tag page, as on liputan6.com
FIRST_ID = 4_830_000
MIN_PAGES = 10  # the page boxes link the 10 newest articles, so every site (and subset) needs them
# Articles are spread over January 2022 (WIB), newest first: inside the topic's window, and a backfill with
# --since 2022-01-01 walks every listing page.
NEWEST = datetime(2022, 1, 31, 22, 0, tzinfo=WIB)
OLDEST = datetime(2022, 1, 1, 6, 0, tzinfo=WIB)

# -- word lists --

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FILLER = _words(
    "yang dan di ini itu dengan untuk dari pada dalam akan tidak juga sudah masih telah bisa harus lebih "
    "karena oleh saat setelah sebelum hingga antara tersebut menjadi kata ujar menurut jelasnya sejak selama "
    "namun sementara bahkan kemudian sehingga agar para warga masyarakat pemerintah pihak hari tahun kali "
    "pekan bulan pagi malam siang sore banyak beberapa sejumlah seluruh sebagian besar kecil baru lama "
    "terus kembali mulai sedang akhirnya pertama kedua terakhir"
)
VERBS = _words(
    "mengatakan menjelaskan menyampaikan mengungkapkan menegaskan menilai menyebut memastikan meminta "
    "mengajak melaporkan mencatat menambahkan menanggapi membantah mengakui berharap berencana mendorong"
)
CHANNELS: dict[str, tuple[str, ...]] = {
    "bola": _words("tim pelatih pemain gol pertandingan laga klub liga skor babak kemenangan kekalahan "
                   "suporter stadion musim transfer kapten penalti klasemen turnamen timnas"),
    "tekno": _words("ponsel aplikasi pengguna fitur perangkat internet layanan data jaringan baterai kamera "
                    "layar prosesor platform startup digital teknologi pembaruan keamanan peretas"),
    "bisnis": _words("harga saham investor pasar rupiah inflasi ekspor impor perusahaan laba pendapatan "
                     "kredit bank pajak investasi industri konsumen penjualan produksi anggaran"),
    "health": _words("pasien dokter rumah sakit vaksin gejala penyakit kesehatan obat perawatan gizi "
                     "olahraga tidur jantung darah imunitas klinik terapi pemeriksaan"),
    "showbiz": _words("artis penyanyi film lagu konser album penggemar aktor aktris sinetron panggung "
                      "selebritas pernikahan penampilan produser sutradara musisi"),
    "otomotif": _words("mobil motor mesin pabrikan model varian penjualan dealer kendaraan listrik jalan "
                       "pengemudi bengkel suku cadang emisi tenaga torsi"),
}
PEOPLE = ("Andi Pratama", "Siti Rahmawati", "Budi Santoso", "Dewi Lestari", "Rizki Hidayat", "Ayu Kartika",
          "Fajar Nugroho", "Nadia Putri", "Hendra Wijaya", "Maya Sari")
KAZ_PLACES = ("Kazakhstan", "Almaty", "Nur-Sultan", "Aktau", "Zhanaozen", "Taldykorgan", "Shymkent")
KAZ_PEOPLE = ("Presiden Kassym-Jomart Tokayev", "mantan presiden Nursultan Nazarbayev",
              "Perdana Menteri Askar Mamin", "juru bicara CSTO")
KAZ_EVENTS = ("kerusuhan", "unjuk rasa", "protes warga", "demonstrasi besar", "keadaan darurat", "jam malam",
              "kenaikan harga bahan bakar", "lonjakan harga LPG", "kedatangan pasukan penjaga perdamaian")
KAZ_TITLES = (
    "{event} Meluas di {place}, {person} Angkat Bicara",
    "{place} Berlakukan {event} Setelah Kerusuhan Berhari-hari",
    "Situasi Terkini {place}: {event} dan Ratusan Orang Ditahan",
    "{person} Tanggapi {event} di {place}",
)
PLAIN_TITLES = (
    "{a} dan {b}: Ini yang Perlu Diketahui",
    "Cerita di Balik {a} yang Ramai Dibicarakan",
    "5 Fakta Menarik soal {a} Pekan Ini",
    "{a} Jadi Sorotan, {b} Ikut Terdampak",
    "Kabar Terbaru {a} Jelang Akhir Bulan",
)


def _sentence(rng: random.Random, nouns: tuple[str, ...], words: int) -> str:
    picked = [rng.choice(nouns) if rng.random() < 0.35 else rng.choice(FILLER) for _ in range(words)]
    picked.insert(rng.randrange(1, len(picked)), rng.choice(VERBS))
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, nouns: tuple[str, ...]) -> str:
    return " ".join(_sentence(rng, nouns, rng.randint(9, 18)) for _ in range(rng.randint(3, 5)))


def _kaz_sentence(rng: random.Random) -> str:
    person = rng.choice(KAZ_PEOPLE)
    return (f"{person[0].upper()}{person[1:]} menyebut {rng.choice(KAZ_EVENTS)} di {rng.choice(KAZ_PLACES)} "
            f"dipicu {rng.choice(KAZ_EVENTS)}.")


def _title_words(nouns: tuple[str, ...], rng: random.Random) -> str:
    return " ".join(word.capitalize() for word in rng.sample(nouns, 2))


def make_article(number: int, total: int, relevant_every: int = 8, seed: int = 2022) -> DemoArticle:
    """Article `number` (0-based; 0 is the newest) of a site of `total`: deterministic for (number, seed)."""
    rng = random.Random(seed * 1_000_003 + number)
    relevant = relevant_every > 0 and number % relevant_every == 0
    span = (NEWEST - OLDEST).total_seconds()
    published = NEWEST - timedelta(minutes=int(span / 60 * number / max(total - 1, 1)))
    paragraphs: list[str] = []
    if relevant:
        channel = "global"
        nouns: tuple[str, ...] = ("warga", "aparat", "polisi", "demonstran", "pemerintah", "ibu kota",
                                  "bandara", "internet", "harga", "bahan bakar", "gas", "pasukan")
        place, person, event = rng.choice(KAZ_PLACES), rng.choice(KAZ_PEOPLE), rng.choice(KAZ_EVENTS)
        title = rng.choice(KAZ_TITLES).format(place=place, person=person, event=event.capitalize())
        where = place if place == "Kazakhstan" else f"{place}, Kazakhstan"  # the topic needs the country
        lead = f"{event.capitalize()} di {where} terus berlanjut, {person} memberi tanggapan."
        for _ in range(rng.randint(5, 10)):
            paragraphs.append(f"{_kaz_sentence(rng)} {_paragraph(rng, nouns)}")
        tags: tuple[str, ...] = ("Kazakhstan", "Kerusuhan Kazakhstan", "Global")
    else:
        channel = rng.choice(tuple(CHANNELS))
        nouns = CHANNELS[channel]
        title = rng.choice(PLAIN_TITLES).format(a=_title_words(nouns, rng), b=_title_words(nouns, rng))
        lead = _sentence(rng, nouns, 14)
        paragraphs = [_paragraph(rng, nouns) for _ in range(rng.randint(5, 10))]
        tags = tuple(word.capitalize() for word in rng.sample(nouns, 3))
    if len(paragraphs) >= 7:  # longer stories are cut into sections, as Liputan6 does
        paragraphs.insert(len(paragraphs) // 2, f"## {_title_words(nouns, rng)}")
    article_id = str(FIRST_ID + total - number)  # newer articles have higher ids, as on the real site
    slug = "-".join(title.lower().replace(",", "").replace(":", "").split())[:90]
    return DemoArticle(
        site="liputan6", id=article_id, title=title, lead=lead, published=published,
        body=tuple(paragraphs), authors=(rng.choice(PEOPLE),), tags=tags, relevant=relevant,
        channel=channel, slug=slug, editor=rng.choice(PEOPLE), layout=rng.choice(("mobile", "desktop")),
        promo=relevant and rng.random() < 0.5)


# -- page furniture (the same on every page, as on the real site) --

def _css(rng: random.Random, size: int) -> str:
    props = ("margin:0 auto", "padding:8px 12px", "display:flex", "color:#1d1d1d", "font-size:14px",
             "line-height:1.5", "border-bottom:1px solid #e5e5e5", "background:#fff", "position:relative",
             "overflow:hidden", "text-overflow:ellipsis", "white-space:nowrap", "font-weight:700")
    rules: list[str] = []
    length = 0
    while length < size:
        block = rng.choice(("header", "articles--rows", "navbar", "footer", "tags", "share", "ads"))
        rule = (f".{block}--{rng.randrange(999)}__{rng.choice(('item', 'link', 'title', 'image', 'wrap'))}"
                f"{{{';'.join(rng.sample(props, rng.randint(2, 5)))}}}")
        rules.append(rule)
        length += len(rule)
    return "<style>" + "".join(rules) + "</style>"


def _js_bundle(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript of about `size` characters (a webpack bundle stands in here)."""
    parts = ["!function(e){var t={};"]
    length = len(parts[0])
    while length < size:
        n = rng.randrange(100000)
        chunk = rng.choice((
            f"function r{n}(e,t){{var n=e.a{n % 97}||t;return n&&n.length>{n % 9}?n.slice(0,{n % 31}):null}}",
            f"t[{n}]=function(e,t,n){{'use strict';n.d(t,'a',function(){{return o}});var o={{id:{n},"
            f"name:'m{n}',lazy:!0}}}};",
            f"if(window.innerWidth>{n % 1400}){{document.body.classList.add('w{n}')}}",
            f"var a{n}=[{','.join(str(rng.randrange(1000)) for _ in range(12))}];",
        ))
        parts.append(chunk)
        length += len(chunk)
    parts.append("}(window);")
    return "<script>" + "".join(parts) + "</script>"


def _snippets(rng: random.Random, count: int) -> str:
    """The small inline scripts every KLY page carries: ad slots, analytics, page flags."""
    out = []
    for i in range(count):
        out.append(rng.choice((
            f'<script>googletag.cmd.push(function(){{googletag.defineSlot("/36504930/m.liputan6.com/slot-{i}",'
            f'[[300,250],[320,100]],"div-gpt-ad-slot-{i}").addService(googletag.pubads());}});</script>',
            f'<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{"event":"ev{i}","n":{i}}});'
            "</script>",
            f"<script>window.kly.toggle{i} = {{\"enabled\": {str(i % 2 == 0).lower()}}};</script>",
            f'<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt-{i}.js"></script>',
        )))
    return "".join(out)


def _config_blob(rng: random.Random, size: int) -> str:
    entries: list[str] = []
    length = 0
    while length < size:
        n = rng.randrange(10**6)
        entry = (f'"k{n}":{{"slot":"/36504930/liputan6/{n}","sizes":[[{n % 728},{n % 90}]],'
                 f'"targeting":{{"pos":"p{n % 7}","kw":"w{n % 53}"}}}}')
        entries.append(entry)
        length += len(entry)
    return "<script>var klyAdsConfig = {" + ",".join(entries) + "};</script>"


def _svg(rng: random.Random, size: int) -> str:
    points = " ".join(f"L{rng.randrange(24)}.{rng.randrange(99)} {rng.randrange(24)}.{rng.randrange(99)}"
                      for _ in range(size // 12))
    return (f'<svg class="icon" viewBox="0 0 24 24" width="24" height="24"><path fill="currentColor" '
            f'd="M0 0 {points}Z"></path></svg>')


def _nav(rng: random.Random, links: int) -> str:
    channels = ("news", "bisnis", "bola", "showbiz", "tekno", "health", "otomotif", "global", "citizen6",
                "lifestyle", "regional", "photo", "hot", "cek-fakta", "islami", "disabilitas")
    items = "".join(f'<li class="navbar--menu__item"><a class="navbar--menu__link" '
                    f'href="https://www.liputan6.com/{rng.choice(channels)}/{rng.choice(channels)}-{i}" '
                    f'data-target="nav-{i}">{rng.choice(channels).title()} {i}</a></li>'
                    for i in range(links))
    return f'<nav class="navbar navbar--top"><ul class="navbar--menu">{items}</ul></nav>'


def _teasers(rng: random.Random, count: int, heading: str, targets: list[DemoArticle]) -> str:
    """A "Terpopuler" box. Its links go to real articles of the site (the newest ones, which every subset
    has), so a spider that follows them finds pages, not 404s, and skips them as already seen."""
    items = []
    for i in range(count):
        target = targets[i % len(targets)]
        items.append(
            f'<li class="article-snippet article-snippet--{i}"><figure class="article-snippet__figure">'
            f'<img class="js-lazyload" data-src="https://cdn1-production-images-kly.akamaized.net/t/{i}.jpg" '
            f'src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==" '
            f'alt=""></figure><a class="article-snippet__link" href="{escape(target.url)}?medium=Populer">'
            f'<span class="article-snippet__title">{escape(target.title)}</span></a></li>')
    return (f'<aside class="popular-box"><h3 class="popular-box__title">{heading}</h3>'
            f'<ul class="popular-box__list">{"".join(items)}</ul></aside>')


def _footer(rng: random.Random, links: int) -> str:
    items = "".join(f'<li class="footer--links__item"><a href="https://www.liputan6.com/info/{i}">'
                    f"{escape(rng.choice(FILLER).title())} {i}</a></li>" for i in range(links))
    return (f'<footer class="footer"><ul class="footer--links">{items}</ul>'
            "<p class=\"footer--copyright\">Copyright 2022 KLY KapanLagi Youniverse</p></footer>")


@dataclass(frozen=True)
class Furniture:
    """Shared page parts, encoded once: `head` goes before </head>, `top` after <body>, `bottom` before
    </body>. Every page points at these same byte strings."""

    head: bytes
    top: bytes
    bottom: bytes


def furniture(page_bytes: int, popular: list[DemoArticle], seed: int = 2022) -> Furniture:
    """Page furniture that brings an article of ~12 KB to about `page_bytes` in all.

    Below ~60 KB (smoke runs) only a little of each part is kept; the rest of the budget goes to the
    script bundle, as on the real pages, where it is the largest single block.
    """
    rng = random.Random(seed)
    scale = min(1.0, page_bytes / 300_000)
    head = _css(rng, int(18_000 * scale)) + _snippets(rng, int(30 * scale) + 1) + _config_blob(
        rng, int(40_000 * scale))
    top = (_nav(rng, int(70 * scale) + 1) + "".join(_svg(rng, int(5_000 * scale)) for _ in range(6)))
    bottom = (_teasers(rng, int(30 * scale) + 1, "Terpopuler", popular)
              + _teasers(rng, int(20 * scale) + 1, "Terkini", popular[::-1])
              + _footer(rng, int(60 * scale) + 1) + _snippets(rng, int(25 * scale) + 1))
    budget = page_bytes - 12_000 - len(head) - len(top) - len(bottom)
    bottom += _js_bundle(rng, max(budget, 200))
    return Furniture(head.encode(), top.encode(), bottom.encode())


Page = tuple[bytes, ...]  # a response body in chunks; the furniture chunks are shared between pages


def dress(html: str, parts: Furniture) -> Page:
    """A page made by the demo templates with the furniture put in: the body as chunks, whose furniture
    chunks are the same bytes objects on every page (2000 pages then take ~40 MB, not 600)."""
    head_end = html.index("</head>")
    body_start = html.index("<body>", head_end) + len("<body>")
    body_end = html.rindex("</body>")
    return (html[:head_end].encode(), parts.head, html[head_end:body_start].encode(), parts.top,
            html[body_start:body_end].encode(), parts.bottom, html[body_end:].encode())


def joined(page: Page) -> bytes:
    return b"".join(page)


class BenchSite:
    """Articles and their tag listing, rendered once into bytes, served by path.

    Paths are the real site's (`/tag/berita-terkini?page=N`, `/<channel>/read/<id>/<slug>`); a route maps
    www.liputan6.com to wherever the site is served. The page after the listing's last one is an empty
    listing, as on the real site.
    """

    def __init__(self, articles: list[DemoArticle], parts: Furniture,
                 rendered: dict[str, Page] | None = None):
        if len(articles) < MIN_PAGES:
            raise ValueError(f"a bench site needs at least {MIN_PAGES} articles, got {len(articles)}")
        self.articles = articles
        self.parts = parts
        self.listing_pages = max(1, math.ceil(len(articles) / PER_LISTING_PAGE))
        self.bodies: dict[str, Page] = {}
        for index, article in enumerate(articles):
            body = (rendered or {}).get(article.path)
            if body is None:
                related = [articles[(index + k) % len(articles)] for k in (1, 2, 3)]
                render = mobile_article if article.layout == "mobile" else desktop_article
                body = dress(render(article, related), parts)
            self.bodies[article.path] = body
        for page in range(1, self.listing_pages + 2):
            self.bodies[self.listing_path(page)] = self._listing(page)
        self.bodies["/robots.txt"] = (b"User-agent: *\nDisallow: /search\n",)

    @classmethod
    def build(cls, pages: int, *, page_bytes: int = 300_000, relevant_every: int = 8,
              seed: int = 2022) -> BenchSite:
        """A site of `pages` articles of about `page_bytes` each; one in `relevant_every` on the topic."""
        articles = [make_article(i, pages, relevant_every, seed) for i in range(pages)]
        return cls(articles, furniture(page_bytes, articles[:MIN_PAGES], seed))

    def subset(self, pages: int) -> BenchSite:
        """The same site with only its `pages` newest articles (the article bytes are shared)."""
        if not MIN_PAGES <= pages <= len(self.articles):
            raise ValueError(f"a site of {len(self.articles)} pages has no {pages}-page subset")
        return BenchSite(self.articles[:pages], self.parts, self.bodies)

    @property
    def count(self) -> int:
        return len(self.articles)

    @staticmethod
    def listing_path(page: int) -> str:
        return f"/tag/{TAG}?page={page}"

    def _listing(self, page: int) -> Page:
        rows = self.articles[(page - 1) * PER_LISTING_PAGE:page * PER_LISTING_PAGE]
        url = f"https://www.liputan6.com{self.listing_path(page)}"
        html = listing_page("TagPage", "Berita Terkini", url, rows, page, self.listing_pages)
        return dress(html, self.parts)

    def page(self, path: str) -> Page | None:
        """The body at `path` in chunks, None for a path the site does not have."""
        return self.bodies.get(path)

    def relevant_ids(self) -> set[str]:
        return {a.id for a in self.articles if a.relevant}

    def article_sizes(self) -> list[int]:
        return [sum(map(len, self.bodies[a.path])) for a in self.articles]

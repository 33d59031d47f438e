"""From a page to a clean article, with no network and no clock: everything `newswatch extract` needs.

Holds `decoding` (bytes to text, whatever the page claims), `inputs` (reading a page from a file, standard
input or a URL for the CLI), `urls` (which site a URL belongs to, its canonical form and article id), `text`
(an article container to paragraphs, whitespace normalised), `pages/` (one page-object parser per site and
layout, plus the generic extractor) and `cleaning/` (the cleaner and its rules as data). May import
`crawler.core` only: the crawl, the CLI and the benchmarks import it. Inside it, `pages/` may import
`cleaning/` and `cleaning/` may not import `pages/` (both use `text`).
"""

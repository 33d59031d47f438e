"""The cleaner: removes what is not the article, at the HTML level and again at the text-line level.

Public interface (used by the page parsers and the `clean` command):
- `strip_noise_html(node, site)`: remove noise elements from a BeautifulSoup fragment, in place.
- `clean_lines(lines, site)`: the lines of an article text that are content, in order.
- `is_noise_line(text, site)`: whether one paragraph of text is noise.
`site` is "liputan6", "bbc" or "generic"; each site's rules are applied together with the shared rules of
its language. Rules are data (crawler/extract/cleaning/rules/*.toml).

May import `crawler.extract.text` (and `crawler.core`); never the page parsers, which import it.
"""

from crawler.extract.cleaning.cleaner import clean_lines, is_noise_line, strip_noise_html

__all__ = ["clean_lines", "is_noise_line", "strip_noise_html"]

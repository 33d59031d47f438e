"""The web dashboard (`newswatch serve`) and the self-contained HTML report (`newswatch report`).

Holds `app` (the Starlette application: read-only pages over the database), `timeline` (the coverage
timeline as inline SVG), `diffview` (two versions side by side), `report` (one HTML file with inline CSS and
SVG), the Jinja2 `templates/` and the one stylesheet in `static/`. May import `crawler.core`,
`crawler.config`, `crawler.story`, `crawler.notify` and `storage`; only the CLI and the demo import it.
"""

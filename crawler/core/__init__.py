"""The vocabulary every other package shares: the Article item, newswatch's error types, and the like.

Holds `items` (the Article dataclass a page parser returns and storage keeps), `errors` (NewswatchError and
its one-line user errors, exit status 2), `locations` (database locations) and `times` (UTC ISO text).
May import nothing from newswatch: everything else imports it.
"""

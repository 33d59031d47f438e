"""The vocabulary every other package shares: the Article item and newswatch's error types.

Holds `items` (the Article dataclass a page parser returns and storage keeps) and `errors` (NewswatchError and
its one-line user errors, exit status 2). May import nothing from newswatch: everything else imports it.
"""

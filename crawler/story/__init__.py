"""What an article means for the story being followed: pure judgements over articles and their versions.

Holds `relevance` (which configured topics an article matches, with its score and terms) and `changes` (is a
fetched article new, unchanged, or a material update of the stored version, and what changed). May import
`crawler.core`, `crawler.config` and the plain record types of `storage.records`; nothing that crawls, stores
or sends.
"""

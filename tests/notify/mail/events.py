"""Event payloads for mail tests, shaped like the outbox rows the delivery job will hand over.

Titles and leads are short phrases written for these tests (about the January 2022 events the seed article
reports), not text copied from any page.
"""

from __future__ import annotations

from typing import Any

ARTICLE_URL = "https://www.liputan6.com/global/read/4851234/pasukan-rusia-tiba-di-kazakhstan"


def new_event(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event_id": "101",
        "kind": "new",
        "source": "liputan6",
        "article_id": "4851234",
        "title": "Pasukan Rusia tiba di Kazakhstan",
        "lead": "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty.",
        "url": ARTICLE_URL,
        "published_at": "2022-01-07T10:05:00+07:00",
        "topics": ["Kazakhstan unrest"],
        "terms": ["Kazakhstan", "Almaty"],
        "diff": None,
    }
    payload.update(overrides)
    return payload


def update_event(**overrides: Any) -> dict[str, Any]:
    payload = new_event(
        event_id="102",
        kind="updated",
        diff={
            "added": ["Sekitar 2.500 tentara dilaporkan telah dikerahkan."],
            "removed": ["Jumlah pasukan belum diketahui."],
            "changed": [{"before": "Ratusan orang ditahan.", "after": "Lebih dari 2.000 orang ditahan."}],
            "title": {"before": "Pasukan Rusia tiba di Kazakhstan",
                      "after": "Pasukan CSTO tiba di Kazakhstan"},
        },
    )
    payload.update(overrides)
    return payload

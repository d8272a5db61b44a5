"""Warming a new server: what the first query of a process loads, loaded when the app is made.

The first search of a fresh process reads the party gazetteer (pycountry and
data/parties.yaml), the synonyms, the dense model and the index snapshot with its vectors;
done inside a user's request, that is the slowest request the server ever answers. A served
app (`searchapp serve`, each gunicorn worker) runs one query when it is created instead. The
command line never does: `searchapp search` stays cold-fast (tests/test_cold_start.py).
"""

from __future__ import annotations

import logging

from searchapp.engine import IndexMissing
from searchapp.search import SearchRequest, SearchService

log = logging.getLogger(__name__)
# Plain words, a party and a synonym: the query goes through understanding, the lexical
# ranking and the dense side, so everything they load on first use is loaded.
QUERY = "Chinese statement on climate change"


def warm_up(service: SearchService) -> None:
    """Run one query so that the caches are loaded; never stops the app from starting."""
    try:
        service.search(SearchRequest(q=QUERY))
    except IndexMissing:
        pass  # nothing indexed yet (or no search node): the first request says so
    except Exception:  # a broken index must still let the server start and report it per request
        log.warning("warming the search caches failed; the first search loads them", exc_info=True)

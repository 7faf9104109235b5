"""qldrops.index: local embeddings and a FAISS mirror of the database that never lies.

Composed into the front door as ``store.index`` (an :class:`~qldrops.index.manager.IndexManager`,
which answers ``store.similar``, ``store.near_duplicates``,
``store.clusters``); the modules, from the bottom up:

* ``embedder``  Embedder protocol; the packaged sentence-transformers model; a fake for tests
* ``embstore``  vectors in the ``embeddings`` table, keyed by (content hash, model)
* ``vectors``   index backends: numpy (tests), flat, hnsw, ivf
* ``persist``   atomic, checksummed index files with a manifest
* ``sync``      following the change log (PostgreSQL late commits included)
* ``manager``   IndexManager: open / sync / rebuild / verify / status
* ``query``     similar(): answers checked against the database, exact filters
* ``dupes``, ``clusters``

Nothing heavy is imported here.
"""

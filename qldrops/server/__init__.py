"""qldrops.server: ``qldrops serve``, standalone Voila behind share links.

Modules (see :mod:`qldrops.server.app` for the design):

* ``app``        options, the Voila configuration built in code, ``serve()``
* ``voila_app``  ``QldropsVoila``: Voila's app with its render routes replaced by ours
* ``handlers``   ``/p/<capability>``, ``/healthz``, the ticket redeem and request-info channel
* ``gate``       the link check that runs before any kernel (format, rate limit, database)
* ``tickets``    one-time render tickets: what a kernel gets instead of the capability
* ``kernel``     runs *inside* dashboard kernels: wait for a visitor, redeem, open the view
* ``pages``      visitor-facing error pages (instructions, never tracebacks)
* ``extensions`` per-dashboard JupyterLab extension opt-in (plotly is 4.9 MB of JS)
* ``kernels``    the kernel manager class (counts, bounds and culls visitor kernels)
* ``admission``  seats: kernels per link, per client and per server; the busy refusal
* ``security``   security headers and CSP on every response; safe template static files
* ``process``    run ``qldrops serve`` as a child process (tests, benchmarks, demo)
* ``cli``        the click command

Nothing here is imported by ``import qldrops``; Voila loads only when serving.
"""

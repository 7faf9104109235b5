"""Controllers for the Voila pages in ``dashboards/``: state, data and HTML, testable without a kernel.

* :mod:`.html` - the pieces every page shares: CSS, problems and notes, KPIs, tables, figures;
* :mod:`.theme` - the light and dark themes (``prefers-color-scheme``), their colours checked for contrast;
* :mod:`.project` - a share link's files (built by ``store.project``), paths normalised once, the zip;
* :mod:`.panels` - the preview page's HTML panels (code, versions, diff, report, similar, run);
* :mod:`.preview` - :class:`~.preview.PreviewPage`, the controller behind a share link;
* :mod:`.analytics` - :class:`~.analytics.AnalyticsPage`, usage and quality figures;
* :mod:`.explorer` - :class:`~.explorer.ExplorerPage`, search, topics and near-duplicates;
* :mod:`.widgets` - the ipywidgets wiring (the only module here that imports ipywidgets).

Nothing here imports ``qldrops.server`` or ``qldrops.demo``; ``import qldrops`` does not import
this package. plotly is imported inside the functions that draw figures.
"""

"""qldrops.server: `qldrops serve`."""

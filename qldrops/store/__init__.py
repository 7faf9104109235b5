"""qldrops.store: drops, versions, blobs, change log."""

"""qldrops.previews"""

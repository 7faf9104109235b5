"""qldrops.index"""

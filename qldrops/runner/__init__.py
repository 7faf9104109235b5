"""qldrops.runner"""

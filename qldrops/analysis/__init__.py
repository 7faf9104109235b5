"""qldrops.analysis"""

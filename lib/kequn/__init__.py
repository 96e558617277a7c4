"""Kequn (客群): customer segmentation and needs analysis. See README.md for the map of modules."""

__version__ = "0.1.0"

"""Report: the HTML report drawn from the marts."""

from pipeline.assets.report import report

__all__ = ["report"]

"""The analysts' archive: CNS import, report ingest, merging, analysis, plots, exports, report."""

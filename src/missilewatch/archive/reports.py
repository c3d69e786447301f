"""The report reader's former home; it now lives in :mod:`missilewatch.archive.reader`."""

from missilewatch.archive.reader import (
    Finding,
    ReportExtraction,
    Sentence,
    extract_report,
    infer_year,
    normalise,
    split_sentences,
)

__all__ = ["Finding", "ReportExtraction", "Sentence", "extract_report", "infer_year", "normalise", "split_sentences"]

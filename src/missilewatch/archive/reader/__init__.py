"""The report reader: launch facts from plain-text news reports and official statements, English
and Japanese, each with its evidence sentence, who gave it and its kind (this flight, capability,
another launch). Modules: ``text`` (normalising, sentences), ``dates``, ``figures``, ``places``,
``japanese``, ``speakers``, ``responses``, ``extract`` (the whole reading)."""

from missilewatch.archive.reader.dates import infer_year
from missilewatch.archive.reader.extract import extract_report
from missilewatch.archive.reader.model import Finding, ReportExtraction
from missilewatch.archive.reader.text import Sentence, normalise, split_sentences

__all__ = ["Finding", "ReportExtraction", "Sentence", "extract_report", "infer_year", "normalise", "split_sentences"]

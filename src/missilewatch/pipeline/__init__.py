"""The watch: one streaming pipeline from measurements to tracks, predictions, decisions and
alerts, with everything recorded in the store."""

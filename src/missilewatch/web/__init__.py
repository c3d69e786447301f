"""The operator's console and the analysts' pages: static HTML, CSS and JavaScript modules
served by ``missilewatch serve``, with CesiumJS vendored from npm (``scripts/fetch_cesium.py``)."""

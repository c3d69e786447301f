"""Allied picture sharing: node keys and peers, sharing terms, links between nodes,
track-to-track fusion, Cursor-on-Target output."""

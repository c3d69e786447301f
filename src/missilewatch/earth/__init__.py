"""Earth model: WGS84 constants, frames, gravity and the US Standard Atmosphere 1976."""

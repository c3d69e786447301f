"""Geography: land, territorial sea, EEZ and high seas by country; admin regions; overflight."""

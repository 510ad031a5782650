"""Rankings of enterprises by composite indicators (the 百强 list); the pure engine is in ``engine``."""

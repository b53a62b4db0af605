"""Data of solieu: lexicons, the province table, domain packs, gold and training corpora (no code)."""

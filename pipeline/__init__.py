"""solieu pipeline: read → normalise → segment → find figures → classify → attach place and period → write."""

__version__ = "0.1.0"

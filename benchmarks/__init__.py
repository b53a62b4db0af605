"""`make bench`: throughput and memory of the pipeline against its floors, on a synthetic corpus.

Timings live here, never in the unit tests: a machine's speed is not a property
of the code, but a ratio against the same machine's floors is.
"""

"""Extractors: the stages that turn a segmented document into figure records.

Each module holds one task and one public function; the Vietnamese words they
rely on live in `corpora/lexicons/`, not in the code.
"""

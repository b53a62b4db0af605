"""Learning workflows: the training corpus, fitting and cross-validating the models, review sheets, weak labels.

They read and write files (gold, corpora, sheets, model files), so they live beside the
other workflows of `pipeline/`; the models they write are loaded by the classify stage
(`solieu.extractors.learned.model`), which reads nothing else.
"""

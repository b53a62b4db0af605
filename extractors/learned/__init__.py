"""The learned half of the classify stage: metric and status models trained from `corpora/`.

`features` turns a figure in its document into feature strings, `model` holds the
linear models in a format that cannot run code (arrays checked against a SHA-256
manifest), `corpus` builds the training corpus (seeds gold, hand-made reports,
weak labels, review corrections) and `train` fits and cross-validates the models.
The combined rule+model stage is `extractors.classify`.
"""

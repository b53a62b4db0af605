"""solieu (số liệu): figures reported in Vietnamese articles and provincial reports, as a sourced dataset.

The one name this project claims in site-packages. The design card's folders
(`pipeline/`, `extractors/`, `corpora/`) are its subpackages (`package-dir` in
pyproject.toml): a wheel carries them inside this package, an editable install
(`make test`) maps them to the checkout's folders, and both import them as
`solieu.pipeline`, `solieu.extractors` and read data from `solieu.corpora`.

    from solieu import Document, extract_document
    figures = extract_document(Document("d1", "bai-viet.txt", "Tỉnh đã tổ chức 04 lớp tập huấn."))
"""

from __future__ import annotations

from solieu.pipeline import __version__
from solieu.pipeline.records import Document, Figure


def extract_document(document: Document, models: object = True) -> list[Figure]:
    """Every figure of one document (see `solieu.pipeline.run.extract_document`)."""
    from solieu.pipeline.run import extract_document as extract

    return extract(document, models)  # type: ignore[arg-type]


__all__ = ["Document", "Figure", "__version__", "extract_document"]

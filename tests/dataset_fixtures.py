"""Hand-annotated figures for the dataset tests (store, compare, report, notebook).

The dataset stages must be testable without the extraction core, so these tests
build `Figure` records by hand from a Vietnamese sentence, as an annotator would:
the span is looked up in the document text, so offsets are real.
"""

from __future__ import annotations

import re

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from solieu.pipeline.records import Document, Figure


def make_figure(
    doc: Document, span: str, value: float, metric: str, within: str | None = None, **fields: Any
) -> Figure:
    """A figure of `doc` at `span` (inside the phrase `within`, if given), in the line that holds it.

    A count without `counted` counts the (up to three) words after it, as the counted-noun stage would
    read `8 lớp tập huấn năm 2023`: the comparison keeps apart what counts different kinds of things.
    """
    phrase = within or span
    start = doc.text.index(phrase) + phrase.index(span)
    if "counted" not in fields and fields.get("unit", "count") == "count":
        following = re.match(r"\s*((?:[^\W\d_]+\s?){1,3})", doc.text[start + len(span):])
        fields["counted"] = " ".join(following.group(1).split()[:3]) if following else None
    line_start = doc.text.rfind("\n", 0, start) + 1
    line_end = doc.text.find("\n", start)
    line_end = len(doc.text) if line_end < 0 else line_end
    return Figure(
        doc_id=doc.doc_id,
        source=doc.source,
        start=start,
        end=start + len(span),
        text=span,
        sentence=doc.text[line_start:line_end],
        value=value,
        metric=metric,
        **fields,
    )


Annotation = Callable[[Document], list[Figure]]


@dataclass
class HandAnnotated:
    """An extractor that returns the hand annotation of each known text, counting its calls."""

    annotations: dict[str, Annotation]
    calls: list[str] = field(default_factory=list)

    def __call__(self, doc: Document) -> list[Figure]:
        self.calls.append(doc.doc_id)
        return self.annotations[doc.text](doc)


def kind_of(doc: Document) -> str:
    """Plans are named in their first words (`Kế hoạch ...`); everything else here is news."""
    return "plan" if doc.text.startswith("Kế hoạch") else "news"


# --- a small corpus: two provinces that merge in 2025, a plan, a result, a disagreement ---

QUANG_NAM_PLAN = Document(
    doc_id="qnam-plan-2023",
    source="plans/quang-nam-2023.txt",
    title="Kế hoạch phòng, chống mại dâm năm 2023",
    text=(
        "Kế hoạch phòng, chống mại dâm năm 2023 của tỉnh Quảng Nam.\n"
        "Phấn đấu trên 70% xã, phường, thị trấn tổ chức tuyên truyền về phòng, chống mại dâm.\n"
        "Tổ chức 10 lớp tập huấn cho cán bộ làm công tác phòng, chống mại dâm."
    ),
)
QUANG_NAM_REPORT = Document(
    doc_id="qnam-report-2023",
    source="https://baoquangnam.vn/ket-qua-2023",
    title="Quảng Nam: kết quả phòng, chống mại dâm năm 2023",
    published="2023-12-20",
    text=(
        "Năm 2023, 180/240 xã, phường, thị trấn của tỉnh Quảng Nam tổ chức tuyên truyền về phòng, chống mại dâm.\n"
        "Toàn tỉnh tổ chức 8 lớp tập huấn cho hơn 400 cán bộ."
    ),
)
QUANG_NAM_NEWS = Document(
    doc_id="qnam-news-2023",
    source="https://example.vn/tin/quang-nam",
    title="Quảng Nam tập huấn phòng, chống mại dâm",
    published="2023-12-28",
    text="Trong năm 2023, tỉnh Quảng Nam đã mở 9 lớp tập huấn về phòng, chống mại dâm.",
)
DA_NANG_REPORT = Document(
    doc_id="danang-report-2023",
    source="reports/da-nang-2023.txt",
    published="2023-12-15",
    text="Năm 2023, thành phố Đà Nẵng tổ chức 6 lớp tập huấn về phòng, chống mại dâm.",
)


def quang_nam_plan(doc: Document) -> list[Figure]:
    where = {"province": "Quảng Nam", "province_2025": "Đà Nẵng", "period": "2023", "status": "target"}
    return [
        make_figure(doc, "trên 70%", 70.0, "communes_with_propaganda", unit="percent",
                    qualifier="more_than", counted="xã, phường, thị trấn", **where),
        make_figure(doc, "10", 10.0, "training_courses", within="10 lớp", counted="lớp tập huấn", **where),
    ]


def quang_nam_report(doc: Document) -> list[Figure]:
    where = {"province": "Quảng Nam", "province_2025": "Đà Nẵng", "period": "2023", "status": "achieved"}
    return [
        make_figure(doc, "180/240", 180.0, "communes_with_propaganda", unit="ratio", denominator=240.0,
                    counted="xã, phường, thị trấn", **where),
        make_figure(doc, "8", 8.0, "training_courses", within="8 lớp", counted="lớp tập huấn", **where),
        make_figure(doc, "hơn 400", 400.0, "people_trained", qualifier="more_than", counted="cán bộ", **where),
    ]


def quang_nam_news(doc: Document) -> list[Figure]:
    return [make_figure(doc, "9", 9.0, "training_courses", within="9 lớp", counted="lớp tập huấn", province="Quảng Nam",
                        province_2025="Đà Nẵng", period="2023", status="achieved")]


def da_nang_report(doc: Document) -> list[Figure]:
    return [make_figure(doc, "6", 6.0, "training_courses", within="6 lớp", counted="lớp tập huấn", province="Đà Nẵng",
                        province_2025="Đà Nẵng", period="2023", status="achieved")]


CORPUS: dict[Document, Annotation] = {
    QUANG_NAM_PLAN: quang_nam_plan,
    QUANG_NAM_REPORT: quang_nam_report,
    QUANG_NAM_NEWS: quang_nam_news,
    DA_NANG_REPORT: da_nang_report,
}


def corpus_extractor(extra: dict[str, Annotation] | None = None) -> HandAnnotated:
    annotations = {doc.text: annotate for doc, annotate in CORPUS.items()}
    annotations.update(extra or {})
    return HandAnnotated(annotations)


def corpus_figures() -> list[Figure]:
    return [figure for doc, annotate in CORPUS.items() for figure in annotate(doc)]

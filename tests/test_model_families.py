"""The second model family and the learned choices: trees run without scikit-learn, choices stay in bounds.

A boosted ensemble exported to arrays must give the probabilities scikit-learn
gives, because training scores it with scikit-learn's fit and extraction runs the
arrays; and whatever the models say, the spec's hard rules hold.
"""

from __future__ import annotations

import numpy as np
import pytest

from solieu.extractors import classify, periods
from solieu.extractors.learned import choices, trees
from solieu.extractors.learned.model import Vectorizer, load_model
from solieu.pipeline import segment
from solieu.pipeline.learning import rankers, train
from solieu.pipeline.learning.train import save_models
from solieu.pipeline.records import Document, Figure


def _samples() -> tuple[list[dict[str, list[str]]], list[str]]:
    """Phrases of three kinds, each sample the words around a number."""
    phrases = {
        "training_courses": ["mở lớp tập huấn", "tổ chức lớp bồi dưỡng", "lớp tập huấn nghiệp vụ"],
        "inspections": ["thực hiện cuộc kiểm tra", "đợt kiểm tra liên ngành", "cuộc thanh tra"],
        "fines_vnd": ["phạt tiền triệu đồng", "xử phạt hành chính triệu đồng", "nộp phạt đồng"],
    }
    samples, labels = [], []
    for repeat in range(6):
        for label, texts in phrases.items():
            for text in texts:
                words = text.split() + [f"n{repeat % 2}"]
                samples.append({"word": words})
                labels.append(label)
    return samples, labels


def test_exported_trees_give_the_probabilities_scikit_learn_gives():
    from sklearn.ensemble import HistGradientBoostingClassifier

    samples, labels = _samples()
    vectorizer = Vectorizer.fit(samples, {"word": 1.0})
    matrix = trees.presence(vectorizer, samples)
    fitted = HistGradientBoostingClassifier(max_iter=15, max_leaf_nodes=4, min_samples_leaf=2, random_state=0)
    fitted.fit(matrix, labels)
    model = trees.export("metric", vectorizer, fitted)
    assert np.allclose(model.predict_proba(samples), fitted.predict_proba(matrix), atol=1e-9)
    assert [label for label, _ in model.predict(samples)] == list(fitted.predict(matrix))


def test_a_tree_model_file_loads_back_by_its_format(tmp_path):
    samples, labels = _samples()
    model = train.fit_blocks(train.Task("metric", lambda item: {}, {"word": 1.0}, 1.0), samples, labels,
                             [1.0] * len(samples), family="trees")
    assert isinstance(model, trees.TreeModel)
    save_models([model], {"family": "trees"}, tmp_path)
    loaded = load_model("metric", tmp_path)
    assert isinstance(loaded, trees.TreeModel)
    assert loaded.predict([{"word": ["đợt", "kiểm", "tra"]}])[0][0] == "inspections"
    assert np.allclose(loaded.predict_proba(samples), model.predict_proba(samples))


def _figure(text: str, number: str, metric: str, status: str) -> Figure:
    start = text.index(number)
    return Figure("d", "d", start, start + len(number), number, text, value=float(number), metric=metric,
                  status=status, sentence_start=0, sentence_index=0)


def test_a_count_of_the_situation_is_achieved_whatever_decided_its_status():
    figure = _figure("Phấn đấu giảm còn 40 cơ sở kinh doanh dịch vụ nhạy cảm.", "40", "establishments_at_risk", "target")
    figure.extractor = "rule:lexicon+rule:status"
    classify.enforce_spec(figure)
    assert (figure.status, figure.extractor) == ("achieved", "rule:lexicon+spec:status")


def test_a_target_of_the_work_stays_a_target():
    figure = _figure("Phấn đấu tổ chức 40 lớp tập huấn.", "40", "training_courses", "target")
    figure.extractor = "rule:lexicon+rule:status"
    classify.enforce_spec(figure)
    assert figure.status == "target"


def test_every_period_option_is_a_period_the_text_states_or_none():
    text = "Báo cáo năm 2021. Giai đoạn 2016 - 2020, toàn tỉnh tổ chức 45 lớp tập huấn; năm 2021 mở thêm 12 lớp."
    doc = Document("d", "d", text, published="2021-12-20")
    sentences = segment.split_sentences(text)
    analysed = periods.analyse(doc, sentences)
    sentence = next(s for s in sentences if "45" in s.text)
    figure = _figure(sentence.text, "12", "training_courses", "achieved")
    figure.sentence_start, figure.sentence_index = sentence.start, sentence.index
    figure.start += sentence.start
    figure.end += sentence.start
    labels = {option.label for option in choices.period_options(figure, analysed, "report")}
    assert "2021" in labels and "2016-2020" in labels and None in labels
    assert labels <= {"2021", "2020", "2016-2020", None}


def test_a_ranker_picks_the_option_it_was_taught_to_prefer():
    option = lambda label, features: choices.Option(label, features)  # noqa: E731
    groups = [rankers.Group("real-dev", f"d{i}", "period",
                            [option("2020", ["SRC:rule"]), option("2019", ["SRC:frame0"]), option(None, ["SRC:none"])],
                            "2019" if i % 3 else "2020", "2020") for i in range(30)]
    model = rankers.fit_ranker("period", groups)
    assert choices.best(model, groups[1].options) == "2019"
    assert rankers.accuracy(groups, "period", model)[1:] == (10, 20)

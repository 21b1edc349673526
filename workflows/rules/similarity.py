"""Text similarity of petitions: the cosine of TF-IDF vectors over the words of facts and demands, cut by
jieba's segmenter with domain words added; IDF weights from jieba's shipped table."""
from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

# Words that every complaint uses; they say nothing about which matter it is.
_STOPWORD_TEXT = """
的 了 在 是 和 与 及 或 对 被 把 从 向 也 都 还 又 很 就 但 而 并 等 这 那 个 一 一个 没有 不 已 已经 有 该 其 此
之 所 于 将 能 会 要 让 给 由 以 为 着 过 到 上 下 里 中 后 前 时 每 各 再 仍 仍然 未 无 非常 十分 特别 比较 一直
多次 经常 反复 屡次 长期 至今 目前 现在 今年 去年 近期 最近 日前 我 我们 本人 他 他们 她 它 你 您 大家 自己
信访人 信访 反映 投诉 举报 来信 来电 来访 要求 希望 请求 恳请 请 问题 情况 事项 相关 有关 部门 政府 领导
处理 解决 尽快 及时 依法 调查 核实 查处 严重 影响 附近 周边 周围 居民 群众 村民 市民 存在 进行 造成 导致
"""


STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# Words the general dictionary cuts wrongly in environmental complaints.
DOMAIN_WORDS = ("信访人", "渣土车", "扬尘", "偷排", "直排", "偷倒", "危废", "固废", "黑臭", "油烟", "异味", "恶臭",
                "排污口", "雨水管", "夜间施工", "在线监测", "环评")


_WORD = re.compile(r"\w")


# -- Chinese text --------------------------------------------------------------------------------------
_segmenter: Segmenter | None = None
_segmenter_lock = threading.Lock()


class Segmenter:
    """jieba's tokenizer and IDF table, loaded on first use (about two seconds), once per process."""

    def __init__(self) -> None:
        import jieba

        # jieba announces building its prefix dictionary on stderr; a server has no use for that.
        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for word in DOMAIN_WORDS:
            self.tokenizer.add_word(word)
        self.idf, self.median_idf = _load_idf(Path(jieba.__file__).parent / "analyse" / "idf.txt")

    def words(self, text: str) -> list[str]:
        return self.tokenizer.lcut(text or "")


def _load_idf(path: Path) -> tuple[dict[str, float], float]:
    idf: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.rpartition(" ")
        if word:
            idf[word] = float(value)
    values = sorted(idf.values())
    return idf, values[len(values) // 2]


def segmenter() -> Segmenter:
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


def terms(text: str) -> Counter[str]:
    """The words of `text` that tell one matter from another: no punctuation, numbers alone or stopwords."""
    counts: Counter[str] = Counter()
    for word in segmenter().words(text):
        word = word.strip().lower()
        if not word or word in STOPWORDS or not _WORD.search(word) or (word.isdigit() and len(word) < 3):
            continue
        counts[word] += 1
    return counts


def term_vector(counts: Counter[str]) -> dict[str, float]:
    seg = segmenter()
    return {word: (1 + math.log(n)) * seg.idf.get(word, seg.median_idf) for word, n in counts.items()}


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity (0..1) of the TF-IDF word vectors of two texts."""
    return cosine(term_vector(terms(a)), term_vector(terms(b)))


def cosine(u: Mapping[str, float], v: Mapping[str, float]) -> float:
    if not u or not v:
        return 0.0
    dot = sum(weight * v[word] for word, weight in u.items() if word in v)
    norm = math.sqrt(sum(w * w for w in u.values())) * math.sqrt(sum(w * w for w in v.values()))
    return min(1.0, dot / norm) if norm else 0.0


def matter_text(facts: str | None, demands: str | None) -> str:
    return f"{facts or ''}\n{demands or ''}"

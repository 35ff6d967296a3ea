"""The learned part of triage: a linear model over character and word n-grams and the rules.

Features (the same code builds them for training, in bench/triage_train.py, and at run time):
- character n-grams of 1-5 inside each word (with the word's edges), TF-IDF, L2-normalised: they
  carry typos, inflections and the other languages ("leaking", "leakin", "fuga", "fuite");
- word unigrams and bigrams, TF-IDF, L2-normalised;
- the hand-written rules' answer (legacy.rules_classify: its class, what kind of evidence, the
  classes it also matched, the sentiment score) and the consent rules' verdict.

The weights live in `model.npz` beside this file (written by bench/triage_train.py, plain numpy
at run time: no scikit-learn, no network). The same TF-IDF vectors find the nearest labelled
example for the evidence ("like: 'water coming through the ceiling' (urgent)") and match the
manager's examples.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from outreach.triage.text import fold

MODEL_PATH = Path(__file__).with_name("model.npz")
CHAR_NGRAMS = (1, 5)
RULE_SCALE = 3.0  #: weight of the rule features against the two unit-length TF-IDF blocks
_SPACES = re.compile(r"\s+")
#: words too common to explain anything in the evidence
_FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "and", "or", "is", "are", "was", "were", "be", "been", "it", "its",
        "this", "that", "there", "here", "of", "to", "in", "on", "at", "for", "with", "from",
        "by", "as", "my", "our", "your", "we", "you", "they", "he", "she", "i", "im", "me",
        "el", "la", "los", "las", "de", "del", "en", "que", "y", "es", "un", "una", "por",
        "con", "se", "lo", "al", "mi", "su", "behind", "just", "so", "but", "now",
    }
)  # fmt: skip
_WORD = re.compile(r"(?u)\b\w+\b")


def normalize(text: str) -> str:
    """The form the n-grams are taken from: folded (lower case, no accents), spaces collapsed."""
    return _SPACES.sub(" ", fold(text or "")).strip()


def char_ngrams(norm: str) -> list[str]:
    """Character n-grams inside each word, padded with a space each side (scikit's char_wb)."""
    grams: list[str] = []
    low, high = CHAR_NGRAMS
    for word in norm.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return [g for g in grams if not g.isspace()]


def word_ngrams(norm: str) -> list[str]:
    """Word unigrams and bigrams."""
    words = _WORD.findall(norm)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def _tfidf(grams: Iterable[str], vocab: dict[str, int], idf: np.ndarray) -> dict[int, float]:
    counts = Counter(g for g in grams if g in vocab)
    if not counts:
        return {}
    values = {vocab[g]: (1.0 + math.log(n)) * float(idf[vocab[g]]) for g, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {i: v / norm for i, v in values.items()}


@dataclass(frozen=True)
class Vocabulary:
    """The n-gram vocabularies and IDF weights; feature indexes: chars, then words, then rules."""

    chars: dict[str, int]
    words: dict[str, int]
    char_idf: np.ndarray
    word_idf: np.ndarray
    rule_names: tuple[str, ...]

    @property
    def size(self) -> int:
        """The number of features."""
        return len(self.chars) + len(self.words) + len(self.rule_names)

    def text_features(self, text: str) -> dict[int, float]:
        """The TF-IDF part: feature index → value (each block has unit length)."""
        norm = normalize(text)
        feats = _tfidf(char_ngrams(norm), self.chars, self.char_idf)
        offset = len(self.chars)
        for i, v in _tfidf(word_ngrams(norm), self.words, self.word_idf).items():
            feats[offset + i] = v
        return feats

    def known_share(self, text: str) -> float:
        """The share of the reply's 3-5 letter groups seen in training (0 for gibberish)."""
        grams = [g for g in char_ngrams(normalize(text)) if len(g) >= 3]
        if not grams:
            return 0.0
        return sum(g in self.chars for g in grams) / len(grams)

    def features(self, text: str, rules: dict[str, float]) -> dict[int, float]:
        """All features of a reply: its n-grams and the rules' answer (see rule_features)."""
        feats = self.text_features(text)
        offset = len(self.chars) + len(self.words)
        index = {name: offset + i for i, name in enumerate(self.rule_names)}
        for name, value in rules.items():
            if name in index and value:
                feats[index[name]] = RULE_SCALE * value
        return feats


def build_vocabulary(
    texts: Sequence[str], rule_names: Sequence[str], min_df: int = 2
) -> Vocabulary:
    """Vocabularies and smoothed IDF from training texts (chars seen in >= min_df replies)."""
    n = len(texts)
    char_df: Counter[str] = Counter()
    word_df: Counter[str] = Counter()
    for text in texts:
        norm = normalize(text)
        char_df.update(set(char_ngrams(norm)))
        word_df.update(set(word_ngrams(norm)))
    chars = sorted(g for g, df in char_df.items() if df >= min_df)
    words = sorted(word_df)

    def idf(grams: list[str], df: Counter[str]) -> np.ndarray:
        return np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in grams], dtype=np.float32)

    return Vocabulary(
        {g: i for i, g in enumerate(chars)},
        {g: i for i, g in enumerate(words)},
        idf(chars, char_df),
        idf(words, word_df),
        tuple(rule_names),
    )


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    """Cosine of two sparse TF-IDF vectors (each block unit length: the result is 0..1)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(i, 0.0) for i, v in a.items()) / 2.0


@dataclass(frozen=True)
class Scores:
    """The model's probabilities for one reply, and the words that pushed it to a class."""

    classes: tuple[str, ...]
    probabilities: np.ndarray

    def p(self, triage_class: str) -> float:
        """The probability of one class."""
        return float(self.probabilities[self.classes.index(triage_class)])

    def best(self, exclude: Iterable[str] = ()) -> tuple[str, float]:
        """The most probable class (outside `exclude`) and its probability."""
        skip = set(exclude)
        order = np.argsort(-self.probabilities)
        for i in order:
            if self.classes[i] not in skip:
                return self.classes[i], float(self.probabilities[i])
        return self.classes[int(order[0])], float(self.probabilities[order[0]])


class Model:
    """The trained weights, thresholds and labelled examples (model.npz), loaded once."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            chars = str(data["chars"]).split("\n")
            words = str(data["words"]).split("\n")
            self.vocab = Vocabulary(
                {g: i for i, g in enumerate(chars)},
                {g: i for i, g in enumerate(words)},
                data["char_idf"].astype(np.float32),
                data["word_idf"].astype(np.float32),
                tuple(meta["rule_names"]),
            )
            self.coef = data["coef"].astype(np.float32)
            self.intercept = data["intercept"].astype(np.float32)
            self.example_texts = tuple(str(data["example_texts"]).split("\x1e"))
            self.example_labels = tuple(str(data["example_labels"]).split("\n"))
        self.classes = tuple(meta["classes"])
        self.thresholds: dict[str, float] = meta["thresholds"]
        self.meta = meta
        self._index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._masks: dict[str, np.ndarray] | None = None
        self._coef_mean = self.coef.mean(axis=0)
        self._lock = threading.Lock()

    def scores(self, feats: dict[int, float]) -> Scores:
        """Class probabilities (softmax of the linear scores)."""
        logits = self.intercept.copy()
        if feats:
            idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
            val = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
            logits += self.coef[:, idx] @ val
        logits -= logits.max()
        exp = np.exp(logits)
        return Scores(self.classes, exp / exp.sum())

    def reasons(self, text: str, feats: dict[int, float], triage_class: str) -> list[str]:
        """The reply's words that pushed it most towards a class (char n-grams summed per word)."""
        row = self.coef[self.classes.index(triage_class)]
        mean = self._coef_mean
        vocab = self.vocab
        per_word: dict[str, float] = {}
        for word in normalize(text).split():
            grams = {g for g in char_ngrams(word) if g in vocab.chars}
            weight = sum(
                (row[vocab.chars[g]] - mean[vocab.chars[g]]) * feats.get(vocab.chars[g], 0.0)
                for g in grams
            )
            key = _WORD.findall(word)
            if key and key[0] in vocab.words:
                j = len(vocab.chars) + vocab.words[key[0]]
                weight += (row[j] - mean[j]) * feats.get(j, 0.0)
            if key and len(key[0]) > 1 and key[0] not in _FUNCTION_WORDS:
                per_word[key[0]] = max(per_word.get(key[0], -1e9), weight)
        ranked = sorted(per_word.items(), key=lambda kv: -kv[1])
        return [w for w, v in ranked[:3] if v > 0]

    def _example_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The labelled examples' TF-IDF vectors by feature (postings), built on first use."""
        with self._lock:
            if self._index is None:
                width = len(self.vocab.chars) + len(self.vocab.words)
                rows, cols, vals = [], [], []
                short = {i for g, i in self.vocab.chars.items() if len(g.strip()) < 3}
                for r, text in enumerate(self.example_texts):
                    for c, v in self.vocab.text_features(text).items():
                        if c in short:
                            continue  # 1-2 letter groups: in every reply, they rank nothing
                        rows.append(r)
                        cols.append(c)
                        vals.append(v)
                order = np.argsort(np.array(cols, dtype=np.int64), kind="stable")
                col_sorted = np.array(cols, dtype=np.int64)[order]
                indptr = np.searchsorted(col_sorted, np.arange(width + 1))
                self._index = (
                    indptr,
                    np.array(rows, dtype=np.int32)[order],
                    np.array(vals, dtype=np.float32)[order],
                )
            return self._index

    def nearest(
        self, feats: dict[int, float], label: str | None = None
    ) -> tuple[str, str, float] | None:
        """The most similar labelled example (of `label`, if given): (text, label, cosine)."""
        indptr, rows, vals = self._example_index()
        width = len(indptr) - 1
        query = [(i, v) for i, v in feats.items() if i < width]
        if not query:
            return None
        sims = np.zeros(len(self.example_texts), dtype=np.float32)
        for i, v in query:
            lo, hi = indptr[i], indptr[i + 1]
            if 0 < hi - lo < 64:
                np.add.at(sims, rows[lo:hi], vals[lo:hi] * v)
            elif hi > lo:
                sims += np.bincount(rows[lo:hi], weights=vals[lo:hi] * v, minlength=len(sims))
        sims /= 2.0
        if label is not None:
            mask = self._label_masks().get(label)
            if mask is None:
                return None
            sims = np.where(mask, sims, -1.0)
        best = int(np.argmax(sims))
        return self.example_texts[best], self.example_labels[best], float(sims[best])

    def _label_masks(self) -> dict[str, np.ndarray]:
        if self._masks is None:
            labels = np.array(self.example_labels)
            self._masks = {c: labels == c for c in set(self.example_labels)}
        return self._masks


_MODEL: Model | None = None
_MODEL_LOCK = threading.Lock()


def get_model() -> Model:
    """The packaged model, loaded on first use."""
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = Model()
    return _MODEL


def example_text(text: str) -> str:
    """A reply as examples are compared: punctuation left out, so "no rush!" and "no rush" match
    (the n-grams are taken from space-separated tokens, punctuation and all)."""
    return "".join(" " if unicodedata.category(c).startswith("P") else c for c in text or "")


@lru_cache(maxsize=512)
def example_vector(text: str) -> tuple[tuple[int, float], ...]:
    """A reply or a manager's example as a TF-IDF vector without its punctuation (cached:
    examples are matched against every reply)."""
    return tuple(get_model().vocab.text_features(example_text(text)).items())

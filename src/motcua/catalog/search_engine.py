"""In-process procedure search: word keys, spelling correction, result names, synonyms, explainable rank.

A catalogue is small (a province about 1,900 procedures, a ministry up to 2,700; some 3,000 distinct
words), so it is indexed in memory once per catalogue *generation* and every query is answered in Python:
the same code, hence the same hits in the same order, on SQLite and PostgreSQL. Each search first reads
the generation (`generation()`, one cheap aggregate query), so a process sees an edit made by another
process at its next search (docs/adr/0025-search-at-national-scale.md).

How a query is read (`Index.search`):
- `fold` (accents, case, punctuation) then `key` per word: a syllable of consonants + final `y` is spelt
  with `i` (`ky`/`ki`, `ly`/`li`, `my`/`mi`, `quy`/`qui`), in the catalogue and in the query alike.
- A query word matches a catalogue word that starts with it (`kha sin` finds `khai sinh`).
- A word that starts no catalogue word is corrected (`correct_word`): Telex/VNI leftovers (`dangw`,
  `d9a8ng`), two words of 2+ letters typed as one (`dangky`), one wrong, missing, extra or swapped letter in a word of
  5+ letters, a doubled letter in a 4-letter word (`trru`). Only whole catalogue words are proposed.
- Synonyms (`data/search_synonyms.tsv` plus `SearchSynonym` rows) rewrite a phrase of the query
  (`lam so do` -> `cap giay chung nhan quyen su dung dat`).

Rank, best first (`MATCH` gives each class its name; ties by shorter name, then code):
  0 code: the query is a code or local code; 1 the exact name; 2 the name starts with the query;
  3 the query's words appear together, in order, in the name; 4 every word in a result's name
  (results[]); 5 through a synonym; 6 every word in the name, scattered; 7 every word in the name and
  results together; 8 every word somewhere in the record (name, results, field, subjects, codes);
  8x the same classes after spelling correction (80 + class);
  9x when nothing matches every word of a query of 6+ words: at most a quarter of its words missing
  (90 + number missing), which keeps a pasted name with one word changed findable.
Scattered name words rank below results and synonyms: short words match the start of many syllables
('ty' -> 'tịch', 'do' -> 'đổi'), so a scattered hit is weaker evidence than a phrase.
"""

from __future__ import annotations

import bisect
import csv
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from motcua.core.text import fold, nfc

SYNONYM_FILE = Path(__file__).with_name("data") / "search_synonyms.tsv"

CODE, EXACT, STARTS, PHRASE, RESULT, SYNONYM, NAME, MIXED, ELSEWHERE = range(9)
CORRECTED = 80
PARTIAL = 90
PARTIAL_MIN_WORDS = 6  # a pasted name, not a few typed words (those must all match)
MATCH = {
    CODE: "code",
    EXACT: "name",
    STARTS: "name",
    PHRASE: "name",
    RESULT: "result",
    SYNONYM: "synonym",
    NAME: "name",
    MIXED: "other",
    ELSEWHERE: "other",
}


def match_of(rank: int) -> str:
    """The name of a rank class, as the API reports it (`name`, `result`, `synonym`, `corrected`...)."""
    if rank >= PARTIAL:
        return "partial"
    if rank >= CORRECTED:
        return "corrected"
    return MATCH[rank]


_Y_FINAL = re.compile(r"^(qu|[bcdghklmnprstvx]+)y$")
# Telex: the tone and vowel keys left in a word when the keyboard driver was off.
_TELEX_INITIAL = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|dd|[bcdghklmnpqrstvx])?")
_TELEX_MARKS = re.compile(r"[fjrsxz]$|w|aa|ee|oo|dd")
_TELEX_VOWELS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"))
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def key(word: str) -> str:
    """The search key of a folded word: final `y` after consonants spelt `i` ('ky' -> 'ki', 'quy' -> 'qui')."""
    return _Y_FINAL.sub(r"\1i", word)


def words_of(text: str) -> list[str]:
    """Folded words of a text with leading/trailing dots dropped (they are punctuation, not code)."""
    return [w for w in (w.strip(".") for w in fold(text).split(" ")) if w]


def keys_of(text: str) -> list[str]:
    return [key(w) for w in words_of(text)]


@dataclass(frozen=True)
class Doc:
    """What search needs of one procedure, read once per generation."""

    id: int
    code: str
    local_code: str
    name_key: str
    name_length: int
    field_id: int
    published: bool
    kind: str
    online_level: str
    levels: frozenset[str]


@dataclass
class Outcome:
    """Ranked hits and how the query was read, for the API (`match`) and the page ('Có phải bạn muốn tìm')."""

    ranked: list[tuple[int, int]]  # (procedure id, rank), best first
    words: list[str]
    corrected: list[str] | None = None  # the corrected words, when spelling correction was used
    suggestion: str = ""  # the corrected query as a user would write it, with diacritics
    rank_of: dict[int, int] = field(default_factory=dict)


class _Postings:
    """word -> ids, with prefix lookup over the sorted words (cached: the same prefixes recur)."""

    def __init__(self, docs: dict[str, set[int]]):
        self.docs = {w: frozenset(ids) for w, ids in docs.items()}
        self.sorted = sorted(self.docs)
        self._cache: dict[str, frozenset[int]] = {}

    def prefix(self, p: str) -> frozenset[int]:
        hit = self._cache.get(p)
        if hit is None:
            i = bisect.bisect_left(self.sorted, p)
            out: set[int] = set()
            while i < len(self.sorted) and self.sorted[i].startswith(p):
                out |= self.docs[self.sorted[i]]
                i += 1
            hit = frozenset(out)
            if len(self._cache) < 20000:
                self._cache[p] = hit
        return hit


class Index:
    """The catalogue's words, built from rows (`build`); answers `search` without touching the database."""

    def __init__(
        self,
        docs: list[Doc],
        name_words: dict[int, list[str]],
        result_words: dict[int, list[str]],
        other_words: dict[int, list[str]],
        synonyms: list[tuple[tuple[str, ...], tuple[str, ...]]],
        display: dict[str, str],
    ):
        self.docs = {d.id: d for d in docs}
        # Within a rank: shorter names first, then by code (the same order SQL gives: selectors).
        self.order = {d.id: n for n, d in enumerate(sorted(docs, key=lambda d: (d.name_length, d.code)))}
        self.by_code: dict[str, set[int]] = {}
        self.by_name: dict[str, set[int]] = {}
        for d in docs:
            for c in (d.code.lower(), d.local_code):
                if c:
                    self.by_code.setdefault(c, set()).add(d.id)
            self.by_name.setdefault(d.name_key, set()).add(d.id)
        self.name = _Postings(_invert(name_words))
        self.result = _Postings(_invert(result_words))
        self.other = _Postings(_invert(other_words))
        self.synonyms = synonyms
        self.display = display
        self.frequency: Counter[str] = Counter()
        for postings in (self.name, self.result, self.other):
            for w, ids in postings.docs.items():
                self.frequency[w] += len(ids)
        vocabulary = set(self.frequency)
        for phrase, target in synonyms:
            vocabulary.update(phrase)
            vocabulary.update(target)
        self.vocabulary = vocabulary
        self.sorted_vocabulary = sorted(vocabulary)
        self._anywhere: dict[str, frozenset[int]] = {}
        self.filtered: dict[tuple, frozenset[int]] = {}  # filter values -> allowed ids (selectors)

    def anywhere(self, w: str) -> frozenset[int]:
        """Procedures with a word starting with `w` in the name, a result, or the rest of the record."""
        hit = self._anywhere.get(w)
        if hit is None:
            hit = self.name.prefix(w) | self.result.prefix(w) | self.other.prefix(w)
            if len(self._anywhere) < 20000:
                self._anywhere[w] = hit
        return hit

    # --- reading the query ---------------------------------------------------------------------

    def known(self, w: str) -> bool:
        """Some catalogue word starts with `w`."""
        i = bisect.bisect_left(self.sorted_vocabulary, w)
        return i < len(self.sorted_vocabulary) and self.sorted_vocabulary[i].startswith(w)

    def _best(self, candidates: Iterable[str]) -> str | None:
        found = [c for c in set(candidates) if c in self.vocabulary]
        # The most frequent catalogue word wins, then the alphabet: deterministic and explainable.
        return min(found, key=lambda c: (-self.frequency[c], c)) if found else None

    def correct_word(self, w: str) -> list[str] | None:
        """Whole catalogue words for a word that starts none, or None (see the module docstring)."""
        if any(ch.isdigit() for ch in w):
            stripped = key(re.sub(r"[0-9]", "", w))  # VNI: tone and vowel marks typed as digits
            if "." not in w and len(stripped) >= 2 and stripped in self.vocabulary:
                return [stripped]
            return None
        untelexed = _untelex(w) if _TELEX_MARKS.search(w) else w
        if untelexed != w and untelexed in self.vocabulary:
            return [untelexed]
        if len(w) >= 5:  # two words typed as one: 'dangky', 'thuongtru'
            splits = [
                (key(w[:i]), key(w[i:]))
                for i in range(2, len(w) - 1)
                if key(w[:i]) in self.vocabulary and key(w[i:]) in self.vocabulary
            ]
            if splits:
                a, b = min(splits, key=lambda s: (-min(self.frequency[s[0]], self.frequency[s[1]]), s))
                return [a, b]
        if len(w) >= 5:
            best = self._best(key(c) for c in _edits1(w))
            return [best] if best else None
        if len(w) == 4:  # only a doubled letter: 'trru' -> 'tru'
            best = self._best(key(w[:i] + w[i + 1 :]) for i in range(1, 4) if w[i] == w[i - 1])
            return [best] if best else None
        return None

    # --- matching --------------------------------------------------------------------------------

    def _classes(self, seq: list[str], allowed: frozenset[int] | set[int]) -> dict[int, int]:
        """Rank class (0-8) of every allowed procedure that has every word, for one reading of the query.

        `seq` is the query's keys in order, repeats kept (a pasted name repeats words: 'đăng ký ...,
        đăng ký ...'); sets are matched on the distinct words, the phrase on `seq`.
        """
        words = list(dict.fromkeys(seq))
        out: dict[int, int] = {}
        phrase = " ".join(seq)
        for i in self.by_code.get(phrase, ()) if len(seq) == 1 else ():
            if i in allowed:
                out[i] = CODE
        name_sets = [self.name.prefix(w) for w in words]
        result_sets = [self.result.prefix(w) for w in words]
        all_name = _all(name_sets) & allowed
        all_result = _all(result_sets) & allowed
        anywhere = _all([self.anywhere(w) for w in words])
        for i in self.by_name.get(phrase, ()):
            if i in allowed:
                out.setdefault(i, EXACT)
        for i in all_name:
            if i not in out:
                name = self.docs[i].name_key
                if name.startswith(phrase):
                    out[i] = STARTS
                elif f" {phrase}" in f" {name}":
                    out[i] = PHRASE
                else:
                    out[i] = NAME
        for i in all_result:
            if out.get(i, NAME) >= NAME:
                out[i] = RESULT
        for i in anywhere & allowed:
            if i not in out:
                named = all(i in n or i in r for n, r in zip(name_sets, result_sets, strict=True))
                out[i] = MIXED if named else ELSEWHERE
        return out

    def _with_synonyms(self, seq: list[str], allowed) -> dict[int, int]:
        out = self._classes(seq, allowed)
        for phrase, target in self.synonyms:
            n = len(phrase)
            for start in range(len(seq) - n + 1):
                if tuple(seq[start : start + n]) == phrase:
                    rewritten = seq[:start] + list(target) + seq[start + n :]
                    for i, c in self._classes(rewritten, allowed).items():
                        # Through a synonym, a hit in the name or a result counts as a synonym hit.
                        rank = SYNONYM if c <= MIXED else ELSEWHERE
                        if rank < out.get(i, 99):
                            out[i] = rank
        return out

    def _partial(self, words: list[str], allowed) -> dict[int, int]:
        """Procedures missing at most a quarter of the words (a pasted name with a word changed)."""
        if len(words) < PARTIAL_MIN_WORDS:
            return {}
        hits: Counter[int] = Counter()
        for w in words:
            hits.update(self.anywhere(w))
        need = len(words) - len(words) // 4
        return {i: PARTIAL + min(9, len(words) - n) for i, n in hits.items() if n >= need and i in allowed}

    def search(self, q: str, allowed: frozenset[int] | set[int]) -> Outcome:
        typed = _typed(q)  # (as typed, key) per word, in order
        seq = [k for _, k in typed]
        ranks = self._with_synonyms(seq, allowed)
        outcome = Outcome(ranked=[], words=list(dict.fromkeys(seq)))
        final = seq
        unknown = {k for k in seq if not self.known(k)}
        if unknown:
            fixes = {k: self.correct_word(k) for k in unknown}
            if any(fixes.values()):
                final = [w for k in seq for w in (fixes.get(k) or [k])]
                outcome.corrected = list(dict.fromkeys(final))
                outcome.suggestion = " ".join(
                    " ".join(self.display.get(w, w) for w in fixes[k]) if fixes.get(k) else token
                    for token, k in typed
                )
                for i, c in self._with_synonyms(final, allowed).items():
                    ranks.setdefault(i, CORRECTED + c)
        if not ranks:
            ranks = self._partial(list(dict.fromkeys(final)), allowed)
        outcome.rank_of = ranks
        order = self.order
        outcome.ranked = sorted(ranks.items(), key=lambda kv: (kv[1], order[kv[0]]))
        return outcome


def _typed(q: str) -> list[tuple[str, str]]:
    """(word as the user typed it, lower-case; its key) for each word of the query."""
    out = []
    for token in nfc(q).lower().split(" "):
        parts = words_of(token)
        for w in parts:
            out.append((token.strip(".,;:!?\"'()[]“”") if len(parts) == 1 else w, key(w)))
    return out


def _invert(words: dict[int, list[str]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for i, ws in words.items():
        for w in ws:
            out.setdefault(w, set()).add(i)
    return out


def _all(sets: list[frozenset[int]]) -> frozenset[int]:
    if not sets:
        return frozenset()
    out = min(sets, key=len)
    for s in sets:
        if s is not out:
            out = out & s
    return out


def _untelex(w: str) -> str:
    """'dduwowngf' -> 'duong', 'dangj' -> 'dang': Telex keys typed with the input method off."""
    m = _TELEX_INITIAL.match(w)
    head, rest = (m.group(0) if m else ""), w[len(m.group(0)) if m else 0 :]
    # A tone key ends the syllable (s, r, x also start syllables, so only a final one is a tone key).
    out = head + (rest[:-1] if rest and rest[-1] in "fjrsxz" else rest)
    for a, b in _TELEX_VOWELS:
        out = out.replace(a, b)
    return key(out.replace("w", "u"))


def _edits1(w: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `w`."""
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(w)
    return out


# --- building and caching ---------------------------------------------------------------------------


def read_synonym_file(path: Path = SYNONYM_FILE) -> list[tuple[str, str]]:
    """(phrase, meaning) pairs of the reviewed file: tab-separated, '#' comments, blank lines ignored."""
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].lstrip().startswith("#"):
                continue
            if len(row) >= 2 and row[0].strip() and row[1].strip():
                out.append((row[0].strip(), row[1].strip()))
    return out


def generation() -> tuple:
    """A cheap fingerprint of what search reads; it changes whenever a procedure, result or synonym does.

    Every writer of a procedure saves its row (auto_now `updated_at`, indexed: migration 0007) and results
    are written with their procedure, so counts plus the latest times are enough. One query.
    """
    from .models import Procedure, ProcedureResult, SearchSynonym

    p, r, s = (m._meta.db_table for m in (Procedure, ProcedureResult, SearchSynonym))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT (SELECT COUNT(*) FROM {p}), (SELECT MAX(updated_at) FROM {p}), "
            f"(SELECT COUNT(*) FROM {r}), (SELECT MAX(id) FROM {r}), "
            f"(SELECT COUNT(*) FROM {s}), (SELECT MAX(updated_at) FROM {s})"
        )
        return tuple(cur.fetchone())


def build() -> Index:
    """Read the catalogue (3 queries, plus the synonym file) and index it.

    Names are read already folded (`name_folded`, written by services.set_search_columns with the same
    `fold`); texts that repeat (result names, fields, subjects) and single tokens are folded once.
    """
    from .models import Procedure, ProcedureResult, SearchSynonym

    docs, name_words, result_words, other_words = [], {}, {}, {}
    seen: dict[str, Counter[str]] = {}
    memo: dict[str, list[str]] = {}
    tokens: dict[str, str] = {}

    def keys_once(text: str) -> list[str]:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = keys_of(text)
        return hit

    def remember(text: str) -> None:
        """The most common spelling of each key, to write a corrected query back with diacritics."""
        for token in _TOKEN.findall(text.lower()):
            k = tokens.get(token)
            if k is None:
                w = fold(token)
                k = tokens[token] = key(w) if w and " " not in w else ""
            if k:
                seen.setdefault(k, Counter())[token] += 1

    rows = Procedure.objects.values_list(
        "id",
        "code",
        "local_code",
        "name",
        "name_folded",
        "field_id",
        "field__name",
        "subjects",
        "publication_state",
        "kind",
        "online_level",
        "at_ministry",
        "at_province",
        "at_district",
        "at_commune",
    )
    published = {Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED}
    for pid, code, local, name, folded, field_id, field_name, subjects, state, kind, online, *at in rows:
        folded = folded or fold(name)
        words = [key(w) for w in (w.strip(".") for w in folded.split(" ")) if w]
        remember(name)
        docs.append(
            Doc(
                id=pid,
                code=code,
                local_code=fold(local),
                name_key=" ".join(words),
                name_length=len(folded),
                field_id=field_id,
                published=state in published,
                kind=kind,
                online_level=online,
                levels=frozenset(
                    lv
                    for lv, on in zip(("ministry", "province", "district", "commune"), at, strict=True)
                    if on
                ),
            )
        )
        name_words[pid] = words
        other_words[pid] = [
            code.lower(),
            *keys_of(local),
            *keys_once(field_name),
            *(k for subject in subjects for k in keys_once(subject)),
        ]
    for pid, rname in ProcedureResult.objects.values_list("procedure_id", "name"):
        result_words.setdefault(pid, []).extend(keys_once(rname))
        remember(rname)
    pairs = read_synonym_file() + list(SearchSynonym.objects.values_list("phrase", "meaning"))
    synonyms = []
    for phrase, meaning in pairs:
        a, b = tuple(keys_of(phrase)), tuple(keys_of(meaning))
        if a and b and a != b:
            synonyms.append((a, b))
    display = {k: c.most_common(1)[0][0] for k, c in seen.items()}
    return Index(docs, name_words, result_words, other_words, synonyms, display)


_TOKEN = re.compile(r"\w+")
_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Index]] = {}


def current() -> Index:
    """The index of the catalogue as it is now: one generation query, a rebuild only after a change."""
    gen = generation()
    where = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
    hit = _cache.get(where)
    if hit is not None and hit[0] == gen:
        return hit[1]
    with _lock:
        index = build()
        _cache[where] = (gen, index)
    return index

"""Word frequencies with str, dict and list: the text split on white
space, each word stripped of punctuation and lower-cased, counted in a
dict, then sorted by count (most frequent first, ties alphabetically) with
a module-level key function, and the first `n` kept.

    pyc-aot build --strict examples/wordfreq.py
"""

import cython

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def normalise(word: str) -> str:
    """The word without surrounding punctuation, in lower case."""
    return word.strip(PUNCTUATION).lower()


def count_words(text: str) -> dict:
    """How often each normalised word occurs in `text`."""
    counts: dict = {}
    for raw in text.split():
        word: str = normalise(raw)
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def by_count(item: tuple):
    """Sort key: the most frequent first, ties in alphabetical order."""
    return (-item[1], item[0])


def top_words(text: str, n: cython.int) -> list:
    """The `n` most frequent words of `text` as (word, count) pairs."""
    counts: dict = count_words(text)
    ranked: list = sorted(counts.items(), key=by_count)
    return ranked[:n]


def report(text: str, n: cython.int) -> str:
    """The `n` most frequent words, one `word: count` line each, and the
    number of distinct words."""
    lines: list = []
    total: cython.Py_ssize_t = 0
    pair: tuple
    for pair in top_words(text, n):
        lines.append("%s: %d" % (pair[0], pair[1]))
        total += pair[1]
    distinct: cython.Py_ssize_t = len(count_words(text))
    lines.append(f"{distinct} distinct words, the top {len(lines)} cover {total}")
    return "\n".join(lines)


SAMPLE = """It was the best of times, it was the worst of times, it was the age of
wisdom, it was the age of foolishness, it was the epoch of belief, it was the
epoch of incredulity, it was the season of Light, it was the season of
Darkness, it was the spring of hope, it was the winter of despair, we had
everything before us, we had nothing before us, we were all going direct to
Heaven, we were all going direct the other way -- in short, the period was so
far like the present period, that some of its noisiest authorities insisted on
its being received, for good or for evil, in the superlative degree of
comparison only."""


if __name__ == "__main__":
    print(report("\n".join([SAMPLE] * 20), 5))

"""Word frequencies: `str.split` and a dict's `get` and item assignment,
everything a Python object."""


def word_count(text):
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts

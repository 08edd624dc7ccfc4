#!/usr/bin/env python3
"""Builds labelled classification tasks, with fixed splits, from the public-domain texts that
scripts/get_corpus.sh gets from Debian packages (for scripts/finetune_table.sh):

  make_finetune_tasks.py bible BIBLE_TEXT OUT_DIR   which book a King James verse is from (six
      books: Genesis, Psalms, Proverbs, Isaiah, Matthew, Romans); BIBLE_TEXT is what
      `bible -l 100000 Gen1:1-Rev22:21` prints (headings "Genesis 1", then numbered verses)
  make_finetune_tasks.py austen RDATA_DIR OUT_DIR   which of Jane Austen's six novels a sentence
      (of at least 8 words) is from; RDATA_DIR is r-cran-janeaustenr's data directory

Splits by chapter, so that neighbouring verses or sentences never straddle two splits: chapter
numbers n with n % 5 == 0 are test, n % 5 == 1 validation, the rest training. Then per class at
most TRAIN (300) / VALID (100) / TEST (100) examples are drawn with a fixed seed, so every class
has the same weight. Writes OUT_DIR/{train,valid,test}.jsonl ({"text", "label"} a line).
"""
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus  # noqa: E402

PER_CLASS = {"train": 300, "valid": 100, "test": 100}
BOOKS = ["Genesis", "Psalms", "Proverbs", "Isaiah", "Matthew", "Romans"]


def split_of(chapter):
    return "test" if chapter % 5 == 0 else "valid" if chapter % 5 == 1 else "train"


def bible(text_path):
    """{(book, split): [verse, ...]}"""
    out, book, chapter = {}, None, 0
    heading = re.compile(r"^(\S.*\S)\s+(\d+)\s*$")
    verse = re.compile(r"^\s+\d+\s+(.*\S)\s*$")
    for line in open(text_path, encoding="utf-8", errors="replace"):
        m = verse.match(line)
        if m and book in BOOKS:
            out.setdefault((book, split_of(chapter)), []).append(m.group(1))
            continue
        h = heading.match(line)
        if h and not m:
            book, chapter = h.group(1), int(h.group(2))
    return out


def austen(rdata_dir):
    out = {}
    novels = make_corpus.read_lazyload(rdata_dir, "Rdata")
    for name in sorted(novels):
        lines = novels[name]
        if not isinstance(lines, list) or not all(isinstance(x, (str, type(None))) for x in lines):
            continue
        chapter, para = 0, []

        def flush():
            for s in make_corpus.sentences(" ".join(para)):
                if len(s.split()) >= 8:
                    out.setdefault((name, split_of(chapter)), []).append(s)
            para.clear()

        for line in lines:
            line = line or ""
            if make_corpus.CHAPTER.match(line):
                flush()
                chapter += 1
            elif line.strip():
                para.append(line.strip())
            else:
                flush()
        flush()
    return out


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("bible", "austen"):
        sys.exit(__doc__)
    groups = bible(sys.argv[2]) if sys.argv[1] == "bible" else austen(sys.argv[2])
    os.makedirs(sys.argv[3], exist_ok=True)
    labels = sorted({label for label, _ in groups})
    for split, n in PER_CLASS.items():
        rows = []
        for label in labels:
            texts = groups.get((label, split), [])
            rng = random.Random("%s/%s" % (label, split))
            rows += [{"text": t, "label": label} for t in rng.sample(texts, min(n, len(texts)))]
        random.Random(split).shuffle(rows)
        path = os.path.join(sys.argv[3], split + ".jsonl")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        os.replace(path + ".tmp", path)
        print("%s: %d examples, %d classes" % (path, len(rows), len(labels)))


if __name__ == "__main__":
    main()

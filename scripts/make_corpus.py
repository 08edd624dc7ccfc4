#!/usr/bin/env python3
"""Converts public-domain texts shipped by Debian packages into bertforge's corpus format:
one sentence per line, a blank line between documents.

  make_corpus.py austen RDATA_DIR OUT   Jane Austen's six novels (r-cran-janeaustenr); one chapter
                                        per document.
  make_corpus.py kjv BIBLE_TEXT OUT     King James Bible as printed by `bible -l 100000
                                        Gen1:1-Rev22:21` (bible-kjv); one chapter per document,
                                        one verse per line.
"""
import gzip
import os
import re
import struct
import sys
import zlib

# ---- R lazy-load database (data/Rdata.rdx + Rdata.rdb): just enough to read character vectors ----


class RReader:
    """Reads R's XDR serialization format (version 2 or 3), for the object types the index and the
    character vectors of janeaustenr use."""

    def __init__(self, data):
        self.d = data
        self.p = 0
        self.refs = []  # symbols, referred to later by REFSXP

    def int(self):
        (v,) = struct.unpack_from(">i", self.d, self.p)
        self.p += 4
        return v

    def header(self):
        if self.d[:2] != b"X\n":
            raise ValueError("not an XDR R serialization")
        self.p = 2
        version = self.int()
        self.int()  # R version that wrote it
        self.int()  # minimal R version to read it
        if version == 3:
            n = self.int()
            self.p += n  # native encoding name

    def obj(self):
        flags = self.int()
        typ = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))
        if typ == 254:  # NILVALUE_SXP
            return None
        if typ == 255:  # REFSXP: index into the reference table (1-based)
            index = flags >> 8
            if index == 0:
                index = self.int()
            return self.refs[index - 1]
        if typ == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.d[self.p : self.p + n].decode("utf-8", errors="replace")
            self.p += n
            return s
        if typ in (13, 10):  # INTSXP, LGLSXP
            n = self.int()
            v = list(struct.unpack_from(">%di" % n, self.d, self.p))
            self.p += 4 * n
            value = v
        elif typ == 14:  # REALSXP
            n = self.int()
            v = list(struct.unpack_from(">%dd" % n, self.d, self.p))
            self.p += 8 * n
            value = v
        elif typ in (16, 19):  # STRSXP, VECSXP
            n = self.int()
            value = [self.obj() for _ in range(n)]
        elif typ == 1:  # SYMSXP
            value = self.obj()
            self.refs.append(value)
            return value
        elif typ == 2:  # LISTSXP (pairlist): attributes, tag, car, cdr
            attr = self.obj() if has_attr else None
            tag = self.obj() if has_tag else None
            car = self.obj()
            cdr = self.obj()
            items = [(tag, car)] + (cdr if isinstance(cdr, list) else [])
            return items
        else:
            raise ValueError("unsupported R object type %d" % typ)
        attrs = self.obj() if has_attr else None
        if attrs and typ == 19:
            names = dict(attrs).get("names")
            if names:
                return dict(zip(names, value))
        return value


def read_rds(path):
    data = gzip.decompress(open(path, "rb").read())
    r = RReader(data)
    r.header()
    return r.obj()


def read_lazyload(dir_, name):
    index = read_rds(os.path.join(dir_, name + ".rdx"))
    db = open(os.path.join(dir_, name + ".rdb"), "rb").read()
    out = {}
    for var, (offset, length) in index["variables"].items():
        blob = db[offset : offset + length]
        r = RReader(zlib.decompress(blob[4:]))  # 4-byte uncompressed length, then zlib
        r.header()
        out[var] = r.obj()
    return out


# ---- sentence splitting ---------------------------------------------------------------------------

ABBREV = {"Mr", "Mrs", "Dr", "St", "Messrs", "Ms", "Col", "Capt", "Gen", "Rev", "Sir", "Esq"}
SPLIT = re.compile(r'([.!?]["\'\u201d\u2019)]*)\s+(?=["\'\u201c\u2018(]*[A-Z])')


def sentences(paragraph):
    text = re.sub(r"\s+", " ", paragraph).strip()
    text = text.replace("_", "")  # Gutenberg italics markers
    out, start = [], 0
    for m in SPLIT.finditer(text):
        head = text[start : m.end(1)]
        last = re.findall(r"(\w+)\W*$", head[:-1] if head.endswith(".") else head)
        if head.rstrip("\"'\u201d\u2019)").endswith(".") and last and last[-1] in ABBREV:
            continue
        out.append(head.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def write_docs(docs, out_path):
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        first = True
        for doc in docs:
            if not doc:
                continue
            if not first:
                f.write("\n")
            first = False
            for s in doc:
                f.write(s + "\n")
    os.replace(tmp, out_path)


# ---- the two corpora ---------------------------------------------------------------------------------

CHAPTER = re.compile(r"^\s*(CHAPTER|Chapter)\s+[0-9IVXLC]+\.?\s*$")


def austen(rdata_dir, out_path):
    novels = read_lazyload(rdata_dir, "Rdata")
    docs = []
    for name in sorted(novels):
        lines = novels[name]
        if not isinstance(lines, list) or not all(isinstance(x, (str, type(None))) for x in lines):
            continue
        doc, para = [], []

        def end_para():
            if para:
                doc.extend(sentences(" ".join(para)))
                para.clear()

        for line in lines:
            line = line or ""
            if CHAPTER.match(line) or re.match(r"^\s*(VOLUME|Volume)\s+[IVX]+\s*$", line):
                end_para()
                if doc:
                    docs.append(doc)
                doc = []
                continue
            if line.strip():
                para.append(line.strip())
            else:
                end_para()
        end_para()
        if doc:
            docs.append(doc)
    write_docs(docs, out_path)
    return docs


def kjv(text_path, out_path):
    docs, doc = [], []
    verse = re.compile(r"^\s+\d+\s+(.*\S)\s*$")
    for line in open(text_path, encoding="utf-8", errors="replace"):
        m = verse.match(line)
        if m:
            doc.append(m.group(1))
        elif line.strip():  # a chapter heading such as "Genesis 1"
            if doc:
                docs.append(doc)
            doc = []
    if doc:
        docs.append(doc)
    write_docs(docs, out_path)
    return docs


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("austen", "kjv"):
        sys.exit(__doc__)
    docs = (austen if sys.argv[1] == "austen" else kjv)(sys.argv[2], sys.argv[3])
    n = sum(len(d) for d in docs)
    print("%s: %d documents, %d sentences, %d bytes" % (sys.argv[3], len(docs), n,
                                                         os.path.getsize(sys.argv[3])))


if __name__ == "__main__":
    main()

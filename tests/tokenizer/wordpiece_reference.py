#!/usr/bin/python3
"""Independent reference for bertforge's WordPiece tokenizer (src/tokenizer/wordpiece.h).

Usage:
  python3 tests/tokenizer/wordpiece_reference.py              # golden cases, as C++
  python3 tests/tokenizer/wordpiece_reference.py --cpp-tables # Unicode tables of wordpiece_tables.inc

The first form prints the kSmallVocab and kGolden initializers that
tests/tokenizer/wordpiece_test.cpp hard-codes; paste them over the ones there when a case is
added or changed.

The tokenizer below is written from the definition of BERT's tokenizer (google-research/bert
tokenization.py, which HuggingFace's BertTokenizer follows), using only the standard library:
Python's own str.lower(), unicodedata.category() and unicodedata.normalize("NFD"), not the
compact tables the C++ code derives from the same Unicode data (second form), so the golden
cases check both the C++ algorithm and its tables. They use only characters whose properties
are the same in every Unicode version since 6.1, so Python 3.3 or later gives the same
values. The steps:

  BasicTokenizer
    1. clean: drop U+0000, U+FFFD and every category C* character except \\t \\n \\r; map
       whitespace (space, \\t, \\n, \\r, category Zs) to a space
    2. put spaces around CJK ideographs (BERT's _is_chinese_char ranges), if enabled
    3. split on whitespace (str.split()); per word: lowercase (str.lower()) if enabled, strip
       accents (NFD, drop category Mn) if enabled
    4. split off punctuation: ASCII 33-47, 58-64, 91-96, 123-126 and category P*, each its own
       token
  WordpieceTokenizer
    5. a token longer than max_input_chars_per_word code points is [UNK]; else greedy
       longest-match-first from the left, continuations prefixed "##"; when some position has no
       match, the whole token is [UNK]

The second form generates the compact tables of src/tokenizer/wordpiece_tables.inc from this Python's
unicodedata (their comment names the Unicode version); it is not used by the tokenizer above.
"""

import sys
import unicodedata

# --------------------------------------------------------------------------------------------
# The reference tokenizer.

CJK_RANGES = [
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
]


def is_chinese_char(cp):
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def clean_text(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    return "".join(out)


def strip_accents(word):
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if unicodedata.category(c) != "Mn")


def split_on_punctuation(word):
    groups = []
    start_new = True
    for ch in word:
        if is_punctuation(ch):
            groups.append(ch)
            start_new = True
        else:
            if start_new:
                groups.append("")
                start_new = False
            groups[-1] += ch
    return groups


def basic_tokenize(text, lowercase, strip, chinese):
    text = clean_text(text)
    if chinese:
        text = "".join(" " + c + " " if is_chinese_char(ord(c)) else c for c in text)
    tokens = []
    for word in text.split():
        if lowercase:
            word = word.lower()
        if strip:
            word = strip_accents(word)
        tokens.extend(split_on_punctuation(word))
    return " ".join(tokens).split()


def wordpiece(token, vocab, max_chars=100, unk="[UNK]"):
    if len(token) > max_chars:
        return [unk]
    pieces = []
    start = 0
    while start < len(token):
        end = len(token)
        found = None
        while start < end:
            sub = token[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                found = sub
                break
            end -= 1
        if found is None:
            return [unk]
        pieces.append(found)
        start = end
    return pieces


def tokenize(text, vocab, lowercase=True, strip=True, chinese=True):
    out = []
    for token in basic_tokenize(text, lowercase, strip, chinese):
        out.extend(wordpiece(token, vocab))
    return out


def char_pieces(text, lowercase=True, strip=True, chinese=True):
    """The pieces with a vocabulary of every single character, alone and as "##" continuation:
    shows the basic tokens and every normalized character."""
    out = []
    for token in basic_tokenize(text, lowercase, strip, chinese):
        out.extend([token[0]] + ["##" + c for c in token[1:]])
    return out


# --------------------------------------------------------------------------------------------
# The golden cases of wordpiece_test.cpp. Texts are bytes (UTF-8, possibly invalid: decoded
# with errors="replace", whose U+FFFD the cleaning drops, as the C++ drops invalid bytes).

SMALL_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cafe", "café", "##s", "na", "##ive",
    "resume", "##d", "cost", "$", "3", ".", "5", "##0", "—", "中", "文", "!", "'", ",", "un",
    "##aff", "##able", "##a", "aff", "hello", "world", "don", "t", "u", "s", "a", "is", "##n",
    "i", "##stanbul", "ist", "##an", "##bul", "über", "uber", "##all", "mo", "##sk", "##va",
    "москва", "αθη", "##ναι", "ο", "##δος", "##ς", "##σ",
]

# (name, text, lowercase, strip_accents, tokenize_chinese_chars, vocab): vocab None = every
# character (char_pieces), else SMALL_VOCAB.
CASES = [
    ("AccentsUncased", "Héllo Wörld".encode(), True, True, True, None),
    ("AccentsCased", "Héllo Wörld".encode(), False, False, True, None),
    ("AccentsStripOnly", "Héllo Wörld".encode(), False, True, True, None),
    ("AccentsLowerOnly", "Héllo Wörld".encode(), True, False, True, None),
    ("CombiningMarks", "Cafe\u0301 CAFÉ e\u0301\u0327 a \u0301 b".encode(), True, True, True,
     None),
    ("CombiningMarksCased", "Cafe\u0301 CAFÉ".encode(), False, False, True, None),
    ("Vietnamese", "Tiếng Việt Ồ ẞ".encode(), True, True, True, None),
    ("LatinExtended", "Ǻ ǅ Ǆ Ș ț Ŀ ĳ Ŋ Ȁ ɐ Ɓ".encode(), True, True, True, None),
    ("GreekTonos", "Ἀθῆναι Άλφα ΐ ώ Ω".encode(), True, True, True, None),
    ("GreekFinalSigma", "ΟΔΟΣ Σ ΣΑΣ. ΣΑΣ.ΑΣ ΑΣ'Α".encode(), True, False, True, None),
    ("Cyrillic", "Ёлка Йод МОСКВА Ѓ Ї".encode(), True, True, True, None),
    ("CyrillicCased", "Ёлка Йод".encode(), False, False, True, None),
    ("TurkishDottedI", "İstanbul".encode(), True, True, True, None),
    ("TurkishDottedILowerOnly", "İstanbul".encode(), True, False, True, None),
    ("Fullwidth", "ＡＢＣ ｈｅｌｌｏ！１２３".encode(), True, True, True, None),
    ("Cjk", "中文字符abc日本語。한국어".encode(), True, True, True, None),
    ("CjkKeptTogether", "中文abc".encode(), True, True, False, None),
    ("KanaDakuten", "がぎぐ パン".encode(), True, True, True, None),
    ("KanaDakutenCased", "がぎぐ".encode(), False, False, True, None),
    ("Hangul", "한국어 Hangul".encode(), True, True, True, None),
    ("HangulCased", "한국어".encode(), False, False, True, None),
    ("PunctuationAscii", "don't U.S.A. hello,world! a+b=c $100 (x)[y]{z} ~`^_|\\@#%&*".encode(),
     True, True, True, None),
    ("PunctuationUnicode", "«Bonjour»—dit-il… ¿Qué? 価格：１００円。 a·b “q” x≠y €5".encode(),
     True, True, True, None),
    ("PunctuationCased", "x≠y €5 ¡Sí!".encode(), False, False, True, None),
    ("ControlAndWhitespace",
     "a\tb\nc\r\nd  e\x00f\u200bg\ufeffh\x0bi\x0cj\x85k\x7fl co\u00adop \ue000".encode(),
     True, True, True, None),
    ("UnicodeSpaces", "x\u00a0y\u3000z\u2028w\u2029v\u2003u\u1680t\u202fs".encode(), True, True,
     True, None),
    ("InvalidUtf8", b"ab\xffcd \xe2\x82 ef \xc3\x28 g\xed\xa0\x80h \xf0\x9f\x98\x80 i\xc0\xafj",
     True, True, True, None),
    ("ReplacementChar", "x\ufffdy \ufffd z".encode(), True, True, True, None),
    ("SmallVocabSentence", "The café's naïve résumé costs $3.50 — 中文!".encode(), True, True,
     True, SMALL_VOCAB),
    ("SmallVocabSentenceCased", "The café's naïve résumé costs $3.50 — 中文!".encode(), False,
     False, True, SMALL_VOCAB),
    ("SmallVocabUnknown", "unaffable xyz is un,aff İstanbul Über überall".encode(), True, True,
     True, SMALL_VOCAB),
    ("SmallVocabCyrillicGreek", "МОСКВА Москва Ἀθῆναι ὁδός ΟΔΟΣ".encode(), True, True, True,
     SMALL_VOCAB),
]


def c_literal(data):
    """A C++ string literal of `data` (bytes): printable characters as they are (UTF-8 source),
    others as \\u escapes, invalid bytes and control characters as \\x escapes."""
    return c_literal_of(data.decode("utf-8", errors="surrogateescape"))


def c_literal_lines(data, indent, width=100):
    """c_literal(data) as concatenated literals on lines of at most `width` columns."""
    text = data.decode("utf-8", errors="surrogateescape")
    lines, chunk = [], ""
    for ch in text:
        if chunk and columns(indent + c_literal_of(chunk + ch)) + 2 > width:
            lines.append(indent + c_literal_of(chunk))
            chunk = ""
        chunk += ch
    lines.append(indent + c_literal_of(chunk))
    return "\n".join(lines)


def c_literal_of(text):
    out = '"'
    prev_hex = False  # a \\x escape would swallow a following hex digit
    for ch in text:
        cp = ord(ch)
        cat = unicodedata.category(ch)
        if ch in '"\\':
            piece = "\\" + ch
        elif ch in "\t\n\r":
            piece = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[ch]
        elif 0xDC80 <= cp <= 0xDCFF or cp < 0x20 or 0x7F <= cp <= 0x9F:
            raw = bytes([cp & 0xFF]) if cp >= 0xDC80 else ch.encode()
            out += "".join("\\x%02x" % b for b in raw)
            prev_hex = True
            continue
        elif ch == " " or (cat[0] in "LNPS" and cp != 0xFFFD):
            piece = ch
        else:
            piece = "\\u%04X" % cp if cp <= 0xFFFF else "\\U%08X" % cp
        if prev_hex and ch in "0123456789abcdefABCDEF":
            out += '" "'
        out += piece
        prev_hex = False
    return out + '"'


def columns(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def wrap(items, indent, width=100):
    lines, line = [], indent
    for item in items:
        if columns(line) + columns(item) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += item + ", "
    lines.append(line.rstrip())
    return "\n".join(lines)


def print_golden():
    vocab = set(SMALL_VOCAB)
    print("const std::vector<std::string> kSmallVocab = {")
    print(wrap([c_literal(t.encode()) for t in SMALL_VOCAB], "    "))
    print("};")
    print()
    print("// clang-format off")
    print("const GoldenCase kGolden[] = {")
    for name, data, lower, strip, chinese, voc in CASES:
        text = data.decode("utf-8", errors="replace")
        if voc is None:
            pieces = char_pieces(text, lower, strip, chinese)
        else:
            pieces = tokenize(text, vocab, lower, strip, chinese)
        flags = ", ".join("true" if f else "false" for f in (lower, strip, chinese))
        kind = "kChars" if voc is None else "kSmall"
        print('    {"%s", %s, %s,' % (name, flags, kind))
        print(c_literal_lines(data, "     ") + "s,")
        print("     {" + wrap([c_literal(p.encode()) for p in pieces], "      ", 98)[6:-1] + "}},")
    print("};")
    print("// clang-format on")


# --------------------------------------------------------------------------------------------
# Table generator for src/tokenizer/wordpiece_tables.inc (not used above).

def all_code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def category_class(cp):
    ch = chr(cp)
    cat = unicodedata.category(ch)
    if cp in (9, 10, 13, 32) or cat in ("Zs", "Zl", "Zp"):
        return "kS"  # Zl/Zp: kept by cleaning but split on by str.split()
    noncharacter = 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE
    if cat in ("Cc", "Cf", "Co") or noncharacter:
        return "kC"
    if cat == "Mn":
        return "kM"
    if is_punctuation(ch):
        return "kP"
    return None


def runs(values):
    """[(first, last, value)] of the maximal runs of equal non-None values."""
    out = []
    for cp, v in values:
        if v is None:
            continue
        if out and out[-1][2] == v and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp, v)
        else:
            out.append((cp, cp, v))
    return out


def lower_runs():
    """[(first, last, delta, stride)]: cp in first..last step stride lowercases to cp + delta."""
    out = []
    for cp in all_code_points():
        low = chr(cp).lower()
        if len(low) != 1 or ord(low) == cp:
            continue
        d = ord(low) - cp
        if out:
            first, last, dd, stride = out[-1]
            if dd == d and ((stride in (0, 1) and cp == last + 1) or
                            (stride in (0, 2) and cp == last + 2)):
                out[-1] = (first, cp, d, stride or cp - last)
                continue
        out.append((cp, cp, d, 0))
    return [(a, b, d, s or 1) for a, b, d, s in out]


def stripped(cp):
    return "".join(c for c in unicodedata.normalize("NFD", chr(cp))
                   if unicodedata.category(c) != "Mn")


SLOT_BLOCKS = [(0x00C0, 0x024F), (0x1E00, 0x1FFF)]


def in_blocks(cp, blocks):
    return any(lo <= cp <= hi for lo, hi in blocks)


def u32_literal(s):
    out = ""
    for c in s:
        cat = unicodedata.category(c)
        out += c if cat[0] in "LNPS" and c not in '"\\' else "\\u%04X" % ord(c)
    return 'U"' + out + '"'


def print_tables():
    print("// Generated by tests/tokenizer/wordpiece_reference.py --cpp-tables (Unicode %s)." %
          unicodedata.unidata_version)
    print("// clang-format off")
    classes = runs((cp, category_class(cp)) for cp in all_code_points() if cp >= 0x80)
    print("const ClassRange kClassRanges[] = {")
    print(wrap(["{0x%X, 0x%X, %s}" % r for r in classes], "    "))
    print("};")
    print("const LowerRange kLowerRanges[] = {")
    print(wrap(["{0x%X, 0x%X, %d, %d}" % r for r in lower_runs() if r[0] >= 0x80], "    "))
    print("};")
    for lo, hi in SLOT_BLOCKS:
        slots = ""
        for cp in range(lo, hi + 1):
            s = stripped(cp)
            if s == chr(cp):
                slots += "."
            else:
                assert len(s) == 1 and s != "." and unicodedata.category(s)[0] in "LS", hex(cp)
                slots += s
        print("const char32_t kStripped%04X[] =  // U+%04X-%04X, '.' = unchanged" % (lo, lo, hi))
        print("\n".join("    U\"%s\"" % slots[i:i + 64] for i in range(0, len(slots), 64)) + ";")
    pairs = []
    for cp in range(0xC0, 0x10000):
        if (in_blocks(cp, SLOT_BLOCKS) or 0xAC00 <= cp <= 0xD7A3 or is_chinese_char(cp) or
                0xD800 <= cp <= 0xDFFF or unicodedata.category(chr(cp)) == "Mn"):
            continue
        s = stripped(cp)
        if s != chr(cp):
            pairs.append("{0x%X, %s}" % (cp, u32_literal(s)))
    print("const Stripped kStrippedPairs[] = {")
    print(wrap(pairs, "    "))
    print("};")
    cased, ignorable = [], []
    for cp in all_code_points():  # Python's Final_Sigma context, as Python's str.lower() sees it
        ch = chr(cp)
        is_cased = ("ΑΣ" + ch).lower()[1] == "σ"
        is_ignorable = not is_cased and ("ΑΣ" + ch + "Α").lower()[1] == "σ"
        cased.append((cp, True if is_cased else None))
        mark = unicodedata.category(ch) == "Mn"
        ignorable.append((cp, True if is_ignorable and not mark else None))
    print("const Range kCased[] = {")
    print(wrap(["{0x%X, 0x%X}" % r[:2] for r in runs(cased)], "    "))
    print("};")
    print("const Range kCaseIgnorable[] = {  // besides Mn")
    print(wrap(["{0x%X, 0x%X}" % r[:2] for r in runs(ignorable)], "    "))
    print("};")
    print("// clang-format on")


if __name__ == "__main__":
    if sys.argv[1:] == ["--cpp-tables"]:
        print_tables()
    elif not sys.argv[1:]:
        print_golden()
    else:
        sys.exit(__doc__)

#!/usr/bin/env python3
"""The house rules a reader can count: no source file over 500 lines, no function over 80, no
folder named common, io or dist under src/.

  scripts/style_check.py [ROOT]       (default: the repository)

Checks src/ and tests/ (*.h, *.cpp; generated tables *.inc excepted). A function's length is the
lines from its opening brace to its closing one (a lambda counts in the function around it).
Prints one line per breach and exits 1 when there is any."""
import os
import re
import sys

MAX_FILE, MAX_FUNCTION = 500, 80
BANNED_FOLDERS = {"common", "io", "dist"}


def strip(text):
    """The text with comments, string and character literals blanked (line breaks kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, lines) of every function body in `text`."""
    code = strip(text)
    stack, found, stmt_start, line = [], [], 0, 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c in ";":
            stmt_start = i + 1
        elif c == "{":
            head = code[stmt_start:i]
            in_function = any(kind == "function" for kind, _, _ in stack)
            if in_function:
                kind = "block"
            elif re.search(r"\bnamespace\b|extern\s*$", head):
                kind = "namespace"
            elif re.search(r"\b(class|struct|union|enum)\b[^()]*$", head) or re.search(r"=\s*$", head):
                kind = "type"
            elif ")" in head:
                kind = "function"
            else:
                kind = "block"
            name = re.findall(r"([~\w:]+)\s*\(", head)
            stack.append((kind, line, name[0] if name else "?"))
            stmt_start = i + 1
        elif c == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "function":
                    found.append((name, start, line - start + 1))
            stmt_start = i + 1
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    breaches = []
    for top in ("src", "tests"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, root)
            if top == "src" and os.path.basename(dirpath) in BANNED_FOLDERS:
                breaches.append(f"{rel_dir}: a folder named {os.path.basename(dirpath)} (folders are concepts)")
            for f in sorted(filenames):
                if not f.endswith((".h", ".cpp")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                text = open(path, encoding="utf-8", errors="replace").read()
                lines = text.count("\n")
                if lines > MAX_FILE:
                    breaches.append(f"{rel}: {lines} lines (at most {MAX_FILE})")
                for name, start, n in functions(text):
                    if n > MAX_FUNCTION:
                        breaches.append(f"{rel}:{start}: {name} is {n} lines (at most {MAX_FUNCTION})")
    for b in breaches:
        print(b)
    if breaches:
        return 1
    print(f"style: no file over {MAX_FILE} lines, no function over {MAX_FUNCTION}, no folder named "
          + ", ".join(sorted(BANNED_FOLDERS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Sums a Chrome trace written by BERTFORGE_PROFILE=trace.json (src/train/step_profile.h) by
operation: self time (its own time, without the operations it called), total time, calls.

  scripts/profile_ops.py trace.json [--top 40]          the operations by self time
  scripts/profile_ops.py trace.json --callers aten::to   who calls aten::to (--depth 2 callers up)

Example (one replica's share of a mini bf16 step):
  BERTFORGE_PROFILE=/tmp/trace.json build/bertforge train --config C --set train.threads=1 ...
"""
import argparse, collections, json


def nested(path):
    """The trace's complete events per thread, each with the stack of events that contain it."""
    events = json.load(open(path))
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    threads = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            threads[e["tid"]].append(e)
    for evs in threads.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in evs:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            yield e, list(stack)
            stack.append(e)


def by_self_time(path, top):
    self_t, total, calls = collections.Counter(), collections.Counter(), collections.Counter()
    for e, stack in nested(path):
        self_t[e["name"]] += e["dur"]
        if stack:
            self_t[stack[-1]["name"]] -= e["dur"]
        total[e["name"]] += e["dur"]
        calls[e["name"]] += 1
    whole = sum(self_t.values())
    print(f"{whole / 1000:.1f} ms of self time in all")
    for name, t in self_t.most_common(top):
        print(f"{100 * t / whole:5.1f}%  self {t / 1000:8.1f} ms  total {total[name] / 1000:8.1f} ms"
              f"  calls {calls[name]:6d}  {name}")


def callers(path, name, depth):
    t, n = collections.Counter(), collections.Counter()
    for e, stack in nested(path):
        if e["name"] == name:
            chain = " < ".join(s["name"] for s in reversed(stack[-depth:])) or "(top level)"
            t[chain] += e["dur"]
            n[chain] += 1
    for chain, d in t.most_common(20):
        print(f"{d / 1000:8.1f} ms  calls {n[chain]:6d}  {chain}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--callers", help="an operation's name, e.g. aten::to")
    ap.add_argument("--depth", type=int, default=2)
    a = ap.parse_args()
    if a.callers:
        callers(a.trace, a.callers, a.depth)
    else:
        by_self_time(a.trace, a.top)

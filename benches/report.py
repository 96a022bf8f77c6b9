#!/usr/bin/env python3
"""Prints the BENCHMARKS.md table from criterion's results of `cargo bench --bench sign`.

Reads target/criterion/<group>/<function>/<param>/new/estimates.json (median point
estimates, ns) and prints median ns/op, the ratio to the floor measured in the same run
and signatures per second per core.

Then it lists the measurements that were not steady: criterion takes a function's
samples one after the other (sample.json, in order), so the median time per iteration
of each quarter of the measurement's wall time shows a neighbour's burst on this shared
machine. A ratio built on a measurement that moved more than 10 % within itself is noise
as much as code: repeat the run.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def quarters(group, func, param):
    """Median ns/iteration of each quarter of the measurement's wall time."""
    p = root / group / func / str(param) / "new" / "sample.json"
    if not p.exists():
        return None
    d = json.loads(p.read_text())
    samples = list(zip(d["times"], d["iters"]))
    total = sum(t for t, _ in samples)
    parts, elapsed = [[], [], [], []], 0.0
    for t, i in samples:
        parts[min(3, int(4 * elapsed / total))].append(t / i)
        elapsed += t
    return [sorted(q)[len(q) // 2] for q in parts if q]


def median(group, func, param):
    p = root / group / func / str(param) / "new" / "estimates.json"
    if not p.exists():
        return None
    return json.loads(p.read_text())["median"]["point_estimate"]


rows = []
for group, funcs, params in [
    ("tc3", [("cloudsign", "floor"), ("cloudsign-cached", "floor-cached")], [0, 1024, 65536, 1048576]),
    ("acs3", [("cloudsign", "floor")], [0, 1024, 65536, 1048576]),
    ("rpc", [("cloudsign", "floor")], [0]),
    ("wsse", [("cloudsign", "floor")], [0]),
    ("vs-aws-sigv4", [("cloudsign", "aws-sigv4")], [0, 1024, 65536, 1048576]),
]:
    for func, ref in funcs:
        for n in params:
            a, b = median(group, func, n), median(group, ref, n)
            if a is None or b is None:
                continue
            rows.append((group, func, ref, n, a, b))

print("| group | function | body bytes | median ns/op | reference | reference ns/op | ratio | signatures/s per core |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |")
for group, func, ref, n, a, b in rows:
    print(f"| {group} | {func} | {n} | {a:,.0f} | {ref} | {b:,.0f} | {a / b:.2f} | {1e9 / a:,.0f} |")

unsteady = []
for group, func, ref, n, _, _ in rows:
    for f in (func, ref):
        q = quarters(group, f, n)
        if q and max(q) / min(q) > 1.10:
            unsteady.append(f"{group}/{f}/{n}: " + ", ".join(f"{x:,.0f}" for x in q))
if unsteady:
    print()
    print("Not steady (median ns/op of each quarter of the measurement; repeat the run):")
    for line in sorted(set(unsteady)):
        print(f"- {line}")

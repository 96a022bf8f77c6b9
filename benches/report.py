#!/usr/bin/env python3
"""Prints the BENCHMARKS.md table from criterion's results of `cargo bench --bench sign`.

Reads target/criterion/<group>/<function>/<param>/new/estimates.json (median point
estimates, ns) and prints median ns/op, the ratio to the floor measured in the same run
and signatures per second per core.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


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

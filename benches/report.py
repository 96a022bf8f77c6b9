#!/usr/bin/env python3
"""Prints the BENCHMARKS.md tables from criterion's results of `cargo bench --bench sign`.

Reads target/criterion/<group>/<function>/<param>/new/ (sample.json and estimates.json)
and prints, per function, the fastest sample (min of time/iters: the one a noisy neighbour
cannot flatter, the figure the targets are read on) and its ratio to the floor's fastest
sample in the same run, then the medians and their ratio, and signatures per second per
core at the fastest sample.

Then it lists the measurements that were not steady: criterion takes a function's
samples one after the other (sample.json, in order), so the median time per iteration
of each quarter of the measurement's wall time shows a neighbour's burst on this shared
machine. A ratio built on a measurement that moved more than 10 % within itself is noise
as much as code: repeat the run.

Last, the `verify` group: each scheme's `verify` against signing the same request in the
same run (`<scheme>-sign`, the issue's target: at most 1.3x), with a replay-cache insert
(`<scheme>-replay`), and against the scheme's raw cryptographic floor from its signing
group (`FLOORS`; by default `<scheme>/floor/<case>`). A scheme added to the bench's
`verify_schemes()` shows up here by itself.
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


def fastest(group, func, param):
    """The fastest sample: min over samples of time/iters, ns."""
    p = root / group / func / str(param) / "new" / "sample.json"
    if not p.exists():
        return None
    d = json.loads(p.read_text())
    return min(t / i for t, i in zip(d["times"], d["iters"]))


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
    ("roa", [("cloudsign", "floor")], [0]),
    ("v1", [("cloudsign", "floor")], [0]),
    ("huawei", [("cloudsign", "floor")], [0]),
    ("wsse", [("cloudsign", "floor")], [0]),
    ("vs-aws-sigv4", [("cloudsign", "aws-sigv4")], [0, 1024, 65536, 1048576]),
]:
    for func, ref in funcs:
        for n in params:
            a, b = median(group, func, n), median(group, ref, n)
            fa, fb = fastest(group, func, n), fastest(group, ref, n)
            if None in (a, b, fa, fb):
                continue
            rows.append((group, func, ref, n, fa, fb, a, b))

print("| group | function | body bytes | fastest ns/op | reference | reference fastest | ratio (fastest) | median ns/op | reference median | ratio (median) | signatures/s per core |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for group, func, ref, n, fa, fb, a, b in rows:
    print(f"| {group} | {func} | {n} | {fa:,.0f} | {ref} | {fb:,.0f} | **{fa / fb:.2f}** | {a:,.0f} | {b:,.0f} | {a / b:.2f} | {1e9 / fa:,.0f} |")

unsteady = []
for group, func, ref, n, *_ in rows:
    for f in (func, ref):
        q = quarters(group, f, n)
        if q and max(q) / min(q) > 1.10:
            unsteady.append(f"{group}/{f}/{n}: " + ", ".join(f"{x:,.0f}" for x in q))

# The verify group: `verify/<scheme>/<case>` beside `<scheme>-sign` and `<scheme>-replay`.
# Each verify function's floor, as (group, function) of the signing groups, where it is not
# `(<scheme>, "floor")`.
FLOORS = {
    "tc3": ("tc3", "floor-cached"),  # key kept on both sides: the floor with it precomputed
    "tc3-uncached": ("tc3", "floor"),
}
verify_rows = []
vroot = root / "verify"
schemes = sorted(
    d.name for d in vroot.iterdir() if d.is_dir() and not d.name.endswith(("-sign", "-replay"))
) if vroot.is_dir() else []
for scheme in schemes:
    floor_group, floor_func = FLOORS.get(scheme, (scheme, "floor"))
    cases = sorted((d.name for d in (vroot / scheme).iterdir() if d.is_dir() and d.name != "report"), key=lambda c: (len(c), c))
    for case in cases:
        v, s_ = fastest("verify", scheme, case), fastest("verify", f"{scheme}-sign", case)
        r, f = fastest("verify", f"{scheme}-replay", case), fastest(floor_group, floor_func, case)
        vm, sm = median("verify", scheme, case), median("verify", f"{scheme}-sign", case)
        if None in (v, s_):
            continue
        verify_rows.append((scheme, case, v, s_, r, f, vm, sm))
        for func in (scheme, f"{scheme}-sign", f"{scheme}-replay"):
            q = quarters("verify", func, case)
            if q and max(q) / min(q) > 1.10:
                unsteady.append(f"verify/{func}/{case}: " + ", ".join(f"{x:,.0f}" for x in q))

if verify_rows:
    fmt = lambda x: "-" if x is None else f"{x:,.0f}"
    ratio = lambda a, b: "-" if None in (a, b) else f"{a / b:.2f}"
    print()
    print("| verify | case | verify fastest ns | sign fastest ns | **verify / sign** | verify+replay fastest ns | (verify+replay) / sign | floor | floor fastest ns | verify / floor | verify median | sign median | ratio (median) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for scheme, case, v, s_, r, f, vm, sm in verify_rows:
        floor_group, floor_func = FLOORS.get(scheme, (scheme, "floor"))
        print(f"| {scheme} | {case} | {fmt(v)} | {fmt(s_)} | **{ratio(v, s_)}** | {fmt(r)} | {ratio(r, s_)} | {floor_group}/{floor_func} | {fmt(f)} | {ratio(v, f)} | {fmt(vm)} | {fmt(sm)} | {ratio(vm, sm)} |")

if unsteady:
    print()
    print("Not steady (median ns/op of each quarter of the measurement; repeat the run):")
    for line in sorted(set(unsteady)):
        print(f"- {line}")

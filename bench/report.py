#!/usr/bin/env python3
"""report.py: turn bench/run's raw cgbench results into the table.

Reads one cgbench JSON object per line (with scenario, target, round,
devices added by bench/run), prints Markdown on stdout and writes the
data files plot.gp draws (throughput.dat, cpu.dat, scale.dat) into --out.
Every figure is a median over the rounds; ratios are medians of the
per-round ratios, so both sides of a ratio come from the same round.
"""
import argparse
import json
import os
import statistics

TARGETS = [("null", "null gateway"), ("cg", "clawgated"), ("ref", "reference")]
SCEN = [("token", "token handshakes/s"), ("device", "device-signed handshakes/s"),
        ("reject", "wrong-token rejections/s")]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def rng(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), max(xs)) if xs else (None, None)


def fmt(x, nd=0):
    if x is None:
        return "–"
    if nd == 0:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def get(r, *path):
    for p in path:
        if not isinstance(r, dict) or p not in r:
            return None
        r = r[p]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rest-before", default="{}")
    ap.add_argument("--rest-after", default="{}")
    ap.add_argument("--when", default="")
    ap.add_argument("--rev", default="")
    ap.add_argument("--machine", default="")
    ap.add_argument("--argv", default="")
    ap.add_argument("--conc", type=int, default=50)
    ap.add_argument("--hold", type=int, default=100000)
    a = ap.parse_args()

    rows = [json.loads(l) for l in open(a.raw) if l.strip()]

    def sel(scen, tgt):
        return [r for r in rows if r.get("scenario") == scen and r.get("target") == tgt]

    def by_round(scen, tgt, key):
        return {r["round"]: key(r) for r in sel(scen, tgt)}

    def ratio(scen, t1, t2, key=lambda r: r["ops_per_s"], scen2=None):
        x = by_round(scen, t1, key)
        y = by_round(scen2 or scen, t2, key)
        rs = [x[k] / y[k] for k in x if k in y and y[k]]
        return med(rs), rs

    o = []
    p = o.append
    p(f"Run {a.when} on {a.machine}; clawgated {a.rev}; "
      f"`bench/run {a.argv}`.".replace("`bench/run `", "`bench/run`"))
    p("")
    nrounds = len({r["round"] for r in rows if r.get("scenario") == "token"})
    p(f"Medians of {nrounds} round(s), targets alternating within each round "
      f"(closed loop, concurrency {a.conc}, sources spread over 127.0.0.0/8). "
      "Server CPU is the whole process tree's user+system time per "
      "operation, read from /proc.")
    p("")
    p("| | " + " | ".join(n for _, n in TARGETS) +
      " | clawgated / null | clawgated / reference |")
    p("|---|" + "---:|" * (len(TARGETS) + 2))
    for scen, title in SCEN:
        cells = []
        for t, _ in TARGETS:
            v = [r["ops_per_s"] for r in sel(scen, t)]
            lo, hi = rng(v)
            cells.append(fmt(med(v)) + (f" ({fmt(lo)}–{fmt(hi)})" if len(v) > 1 else ""))
        rn, _ = ratio(scen, "cg", "null")
        rr, _ = ratio(scen, "cg", "ref")
        p(f"| {title} | " + " | ".join(cells) +
          f" | {fmt(rn, 2) + '×' if rn else '–'} | {fmt(rr, 1) + '×' if rr else '–'} |")
        cells = [fmt(med([get(r, "server", "cpu_us_per_op") for r in sel(scen, t)]))
                 for t, _ in TARGETS]
        p("| … server CPU µs/op | " + " | ".join(cells) + " | | |")
        cells = [fmt(med([get(r, "lat_hello_ms", "p99") for r in sel(scen, t)]), 2)
                 for t, _ in TARGETS]
        p("| … p99 connect→res ms | " + " | ".join(cells) + " | | |")
    p("")

    # Latency detail.
    p("Latency, ms (medians over rounds of each run's percentiles):")
    p("")
    p("| run | TCP→challenge p50 / p90 / p99 / max | connect→hello-ok p50 / p90 / p99 / max |")
    p("|---|---|---|")
    for scen, label in (("token", f"closed loop c={a.conc}"),
                        ("openloop", "open loop at ½ its median token rate")):
        for t, name in TARGETS:
            rs = sel(scen, t)
            if not rs:
                continue

            def q(k, f):
                return fmt(med([get(r, k, f) for r in rs]), 2)
            rate = ""
            if scen == "openloop":
                rate = f" ({fmt(rs[0]['rate'])}/s)"
            p(f"| {name}, {label}{rate} | " +
              " / ".join(q("lat_challenge_ms", f) for f in ("p50", "p90", "p99", "max")) +
              " | " + " / ".join(q("lat_hello_ms", f) for f in ("p50", "p90", "p99", "max")) + " |")
    p("")

    # Memory.
    rb = json.loads(a.rest_before or "{}")
    ra = json.loads(a.rest_after or "{}")
    p("Memory (Rss summed over the tree counts the workers' shared pages once "
      "per process; Pss divides them, which is the tree's real footprint):")
    p("")
    p("| | Rss KiB | Pss KiB |")
    p("|---|---:|---:|")
    p(f"| clawgated at rest, before any load | {fmt(rb.get('rss_kib'))} | {fmt(rb.get('pss_kib'))} |")
    p(f"| clawgated at rest, after the throughput runs | {fmt(ra.get('rss_kib'))} | {fmt(ra.get('pss_kib'))} |")
    p("")
    p("| idle authenticated connections | held / asked | fill time s | Rss B/conn | Pss B/conn | failures |")
    p("|---|---:|---:|---:|---:|---|")
    for t, name in TARGETS:
        for r in sel("hold", t):
            h = r.get("hold", {})
            codes = ", ".join(f"{k} {v}" for k, v in sorted(r.get("codes", {}).items())) or "none"
            p(f"| {name} | {fmt(h.get('held'))} / {fmt(h.get('requested'))} | "
              f"{fmt(h.get('fill_s'), 1)} | {fmt(h.get('rss_b_per_conn'))} | "
              f"{fmt(h.get('pss_b_per_conn'))} | {codes} |")
    p("")

    # Scale.
    scale = sorted({r["devices"] for r in rows if r.get("scenario") == "scale"})
    if scale:
        p("Device handshakes against a store of N paired devices (clawgated "
          "restarted per N, identities drawn round-robin from all N):")
        p("")
        p("| paired devices | handshakes/s | server CPU µs/op | p99 connect→hello-ok ms |")
        p("|---:|---:|---:|---:|")
        for n in scale:
            rs = [r for r in rows if r.get("scenario") == "scale" and r["devices"] == n]
            p(f"| {fmt(n)} | {fmt(med([r['ops_per_s'] for r in rs]))} | "
              f"{fmt(med([get(r, 'server', 'cpu_us_per_op') for r in rs]))} | "
              f"{fmt(med([get(r, 'lat_hello_ms', 'p99') for r in rs]), 2)} |")
        p("")

    # Failures, if any.
    bad = [(r["label"], r["round"], r.get("codes")) for r in rows
           if r.get("fail") and r.get("scenario") not in ("hold",)]
    if bad:
        p("Failures seen: " + "; ".join(f"{l} (round {n}): " +
                                         ", ".join(f"{k} {v}" for k, v in c.items())
                                         for l, n, c in bad))
        p("")

    # Targets.
    p("| target | measured | |")
    p("|---|---|---|")

    def verdict(ok):
        return "–" if ok is None else ("met" if ok else "**missed**")
    rn, _ = ratio("token", "cg", "null")
    rr, _ = ratio("token", "cg", "ref")
    p(f"| token c={a.conc} ≥ 0.5× null | {fmt(rn, 2)}× | {verdict(rn and rn >= 0.5)} |")
    p(f"| token c={a.conc} ≥ 20× reference | {fmt(rr, 1)}× | {verdict(rr and rr >= 20)} |")
    dr, _ = ratio("device", "cg", "ref")
    p(f"| device ≥ 50× reference | {fmt(dr, 1)}× | {verdict(dr and dr >= 50)} |")
    dc = med([get(r, "server", "cpu_us_per_op") for r in sel("device", "cg")])
    p(f"| server CPU per device handshake ≤ 200 µs | {fmt(dc)} µs | {verdict(dc and dc <= 200)} |")
    p99 = med([get(r, "lat_hello_ms", "p99") for r in sel("token", "cg")])
    p99o = med([get(r, "lat_hello_ms", "p99") for r in sel("openloop", "cg")])
    p(f"| p99 connect→hello-ok at c={a.conc} < 10 ms | {fmt(p99, 2)} ms "
      f"(open loop at ½ rate: {fmt(p99o, 2)} ms) | {verdict(p99 and p99 < 10)} |")
    rest = rb.get("rss_kib")
    rest_p = rb.get("pss_kib")
    p(f"| tree at rest ≤ 16 MiB | Rss {fmt(rest and rest / 1024, 1)} MiB, "
      f"Pss {fmt(rest_p and rest_p / 1024, 1)} MiB | "
      f"Rss {verdict(rest and rest <= 16384)}, Pss {verdict(rest_p and rest_p <= 16384)} |")
    hs = sel("hold", "cg")
    if hs:
        h = hs[0]["hold"]
        ok = h["held"] >= a.hold and h["pss_b_per_conn"] <= 8192
        p(f"| ≤ 8 KiB per idle connection, {fmt(a.hold)} held | held {fmt(h['held'])}, "
          f"Pss {fmt(h['pss_b_per_conn'])} B, Rss {fmt(h['rss_b_per_conn'])} B | {verdict(ok)} |")
    if len(scale) >= 2:
        c = {n: med([get(r, "server", "cpu_us_per_op") for r in rows
                     if r.get("scenario") == "scale" and r["devices"] == n]) for n in scale}
        lo, hi = scale[0], scale[-1]
        f = c[hi] / c[lo] if c[lo] else None
        p(f"| device cost flat {fmt(lo)} → {fmt(hi)} paired (±25 %) | "
          f"{fmt(c[lo])} → {fmt(c[hi])} µs/op ({fmt(f, 2)}×) | "
          f"{verdict(f and 0.75 <= f <= 1.25)} |")
    rj, _ = ratio("reject", "cg", "cg", scen2="token")
    p(f"| rejections/s ≥ token handshakes/s | {fmt(rj, 2)}× | {verdict(rj and rj >= 1)} |")
    rc = med([get(r, "server", "cpu_us_per_op") for r in sel("reject", "cg")])
    tc = med([get(r, "server", "cpu_us_per_op") for r in sel("token", "cg")])
    p(f"| … server CPU per rejection ≤ per success | {fmt(rc)} vs {fmt(tc)} µs | "
      f"{verdict(rc and tc and rc <= tc)} |")
    print("\n".join(o))

    # Plot data.
    with open(os.path.join(a.out, "throughput.dat"), "w") as f, \
            open(os.path.join(a.out, "cpu.dat"), "w") as g:
        f.write("# scenario null cg ref (median ops/s)\n")
        g.write("# scenario null cg ref (median server CPU us/op)\n")
        for scen, _ in SCEN:
            f.write(scen + " " + " ".join(
                str(med([r["ops_per_s"] for r in sel(scen, t)]) or "?") for t, _ in TARGETS) + "\n")
            g.write(scen + " " + " ".join(
                str(med([get(r, "server", "cpu_us_per_op") for r in sel(scen, t)]) or "?")
                for t, _ in TARGETS) + "\n")
    with open(os.path.join(a.out, "scale.dat"), "w") as f:
        f.write("# devices ops_per_s cpu_us_per_op p99_ms\n")
        for n in scale:
            rs = [r for r in rows if r.get("scenario") == "scale" and r["devices"] == n]
            f.write(f"{n} {med([r['ops_per_s'] for r in rs])} "
                    f"{med([get(r, 'server', 'cpu_us_per_op') for r in rs])} "
                    f"{med([get(r, 'lat_hello_ms', 'p99') for r in rs])}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where the test command's time goes: seconds per test class, from a TRX log of `dotnet test`.

    dotnet test Infra.Tests --no-build -v q --nologo --logger "trx;LogFileName=/tmp/t.trx"
    python3 scripts/test-times.py /tmp/t.trx            # a Markdown table, the slowest class first
    python3 scripts/test-times.py /tmp/t.trx --top 15   # only the 15 slowest classes (the rest summed)
    python3 scripts/test-times.py /tmp/t.trx --spans    # when each class ran, from the run's start: its tail

A test's duration is what xunit reports for its method, its class's constructor included; a class
fixture (IClassFixture: a moto server, the cdk-nag runs) is built outside every test's duration, so
the wall time exceeds the sum of the column by about the fixtures' cost. Times of the serial CDK collection and of the parallel pure
tests overlap when collections run in parallel: the sum of the column can then exceed the wall time,
which the TRX's start and finish show ("wall").
"""
import argparse
import collections
import datetime
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def seconds(duration: str) -> float:
    h, m, s = duration.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def timestamp(text: str) -> datetime.datetime:
    # TRX writes 7 fractional digits; fromisoformat (3.11) takes at most 6.
    return datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trx")
    parser.add_argument("--top", type=int, default=0, help="list only the N slowest classes")
    parser.add_argument("--spans", action="store_true",
                        help="also when each class's first test started and its last ended (the run's tail: what ran alone)")
    args = parser.parse_args()

    root = ET.parse(args.trx).getroot()
    class_of = {d.get("id"): d.find("t:TestMethod", NS).get("className").rsplit(".", 1)[-1]
                for d in root.iterfind(".//t:UnitTest", NS)}
    spans: dict[str, list] = {}
    times: dict[str, float] = collections.Counter()
    counts: dict[str, int] = collections.Counter()
    outcomes: dict[str, int] = collections.Counter()
    for result in root.iterfind(".//t:UnitTestResult", NS):
        name = class_of[result.get("testId")]
        times[name] += seconds(result.get("duration", "0:0:0"))
        counts[name] += 1
        outcomes[result.get("outcome")] += 1
        if result.get("startTime"):
            start, end = timestamp(result.get("startTime")), timestamp(result.get("endTime"))
            span = spans.setdefault(name, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)

    timing = root.find("t:Times", NS)
    wall = (timestamp(timing.get("finish")) - timestamp(timing.get("start"))).total_seconds()
    total = sum(times.values())
    ranked = sorted(times, key=times.get, reverse=True)
    shown = ranked[: args.top] if args.top else ranked

    print(f"{sum(counts.values())} tests ({', '.join(f'{n} {o.lower()}' for o, n in sorted(outcomes.items()))}); "
          f"wall {wall:.1f} s, sum of test durations {total:.1f} s\n")
    print("| class | tests | seconds | share |")
    print("| --- | ---: | ---: | ---: |")
    for name in shown:
        print(f"| {name} | {counts[name]} | {times[name]:.1f} | {times[name] / total:.0%} |")
    rest = ranked[len(shown):]
    if rest:
        rest_time = sum(times[n] for n in rest)
        print(f"| {len(rest)} other classes | {sum(counts[n] for n in rest)} | {rest_time:.1f} | {rest_time / total:.0%} |")
    if args.spans:
        origin = timestamp(timing.get("start"))
        print("\n| class | from s | to s |\n| --- | ---: | ---: |")
        for name in sorted(spans, key=lambda n: spans[n][1], reverse=True)[: args.top or None]:
            first, last = ((t - origin).total_seconds() for t in spans[name])
            print(f"| {name} | {first:.0f} | {last:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The operator's apply requests of one install, from the API server's audit log (issue 11).

usage: apply_rounds.py AUDIT_LOG [SERVICE_ACCOUNT]

Takes the window from the first create of a MeshInstall to the operator's first Event after it
(the "Applied" Event, written once every apply returned) and, over the operator's server-side
applies (patch requests; MeshInstall status and leader election Leases left out) in that window,
prints one line:

  applies=N rounds=R max_in_flight=M first_to_last=S server=T between=B

  rounds         the longest chain of applies each received after the previous one returned: how
                 many request round trips the install waits for one after another (load-independent;
                 43 when every object is applied after the previous one)
  max_in_flight  the most applies the API server held at one moment
  first_to_last  first apply received to last apply returned, seconds
  server         seconds in that span with at least one apply in the API server
  between        seconds in that span with none (the operator's time between requests)
"""
import json
import sys
from datetime import datetime


def ts(value):
    return datetime.strptime(value[:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def main():
    audit = sys.argv[1]
    sa = sys.argv[2] if len(sys.argv) > 2 else "system:serviceaccount:mesh-operator:mesh-operator"
    events = []
    with open(audit) as f:
        for line in f:
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    done = [e for e in events if e.get("stage") == "ResponseComplete"]
    created = next(ts(e["requestReceivedTimestamp"]) for e in done
                   if e["verb"] == "create" and e.get("objectRef", {}).get("resource") == "meshinstalls")
    applied = min(ts(e["requestReceivedTimestamp"]) for e in done
                  if e["user"]["username"] == sa and e["verb"] == "create"
                  and e.get("objectRef", {}).get("resource") == "events"
                  and ts(e["requestReceivedTimestamp"]) > created)
    spans = sorted((ts(e["requestReceivedTimestamp"]), ts(e["stageTimestamp"])) for e in done
                   if e["user"]["username"] == sa and e["verb"] == "patch"
                   and e.get("objectRef", {}).get("resource") not in ("meshinstalls", "leases")
                   and created < ts(e["requestReceivedTimestamp"]) < applied)
    # Longest chain of non-overlapping requests: earliest end first (interval scheduling).
    rounds, end = 0, float("-inf")
    for start, stop in sorted(spans, key=lambda s: s[1]):
        if start >= end:
            rounds, end = rounds + 1, stop
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda p: (p[0], p[1]))
    in_flight = max_in_flight = 0
    busy = 0.0
    last = None
    for t, d in points:
        if in_flight > 0 and last is not None:
            busy += t - last
        in_flight += d
        max_in_flight = max(max_in_flight, in_flight)
        last = t
    first, final = spans[0][0], max(e for _, e in spans)
    print(f"applies={len(spans)} rounds={rounds} max_in_flight={max_in_flight} "
          f"first_to_last={final - first:.3f} server={busy:.3f} between={final - first - busy:.3f}")


if __name__ == "__main__":
    main()

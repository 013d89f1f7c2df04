#!/usr/bin/python3
# Order, duplicates and completeness of what the Spotflow fake received; argument: the application's log(s), concatenated.
import json, os, re, sys
msgs = [json.loads(l) for l in open(os.environ.get("FAKE_DIR", "/tmp/fake") + "/stream.jsonl")]
ats = [re.search(r'"at":"([^"]+)"', m["payload"]).group(1) for m in msgs if '"at"' in m["payload"]]
dups_adjacent = sum(1 for a, b in zip(ats, ats[1:]) if a == b)
seen = set(); nonadj = 0; backwards = 0; last = ""
for i, a in enumerate(ats):
    if a in seen and not (i > 0 and ats[i-1] == a):
        nonadj += 1
    if a < last and a not in seen:
        backwards += 1
    seen.add(a); last = max(last, a)
queued = sum(1 for l in open(sys.argv[1]) if "Spotflow measurement queued" in l)
topics = {m["topic"] for m in msgs}
print(f"received {len(ats)} stream messages, {len(seen)} distinct; app logged {queued} enqueued")
print(f"adjacent duplicates {dups_adjacent}, non-adjacent duplicates {nonadj}, new messages out of order {backwards}")
print("topics:", topics)

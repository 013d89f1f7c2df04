#!/usr/bin/python3
# Order, duplicates and completeness of what the Spotflow fake received; arguments: the application's log(s).
# A message is known by its "at" (measurements, snapshots, summary chunks), a completion by its kind and ids.
import collections, json, os, re, sys
work = os.environ.get("FAKE_DIR", "/tmp/fake")
msgs = [json.loads(l) for l in open(work + "/stream.jsonl")]

def key(m):
    kind = m.get("kind", "message")
    if kind != "message":
        return (kind, m["bag"].get("batch-id"), m["bag"].get("message-id"))
    found = re.search(r'"at":"([^"]+)"', m.get("payload") or "")
    return ("message", found.group(1) if found else None, None)

keys = [key(m) for m in msgs]
dups_adjacent = sum(1 for a, b in zip(keys, keys[1:]) if a == b)
# a repeat Mosquitto delivered to the fake hub with DUP set (its own redelivery after a restart), not the device's
redelivered = sum(1 for i in range(1, len(keys)) if keys[i] == keys[i - 1] and msgs[i].get("dup"))
seen = set(); nonadj = 0; backwards = 0; last = ""
for i, k in enumerate(keys):
    if k in seen and not (i > 0 and keys[i - 1] == k):
        nonadj += 1
        print("non-adjacent duplicate:", k)
    if k[0] == "message" and k[1] is not None:
        if k[1] < last and k not in seen:
            backwards += 1
        last = max(last, k[1])
    seen.add(k)

# completions: after every message of their batch (or of their chunked message), and nothing of theirs after them
first = {}
for i, k in enumerate(keys):
    first.setdefault(k, i)
late = 0; batches = collections.Counter(); closed = set()
for i, (m, k) in enumerate(zip(msgs, keys)):
    b = m.get("bag", {}).get("batch-id")
    if b is None:
        continue
    if k[0] == "message":
        batches[b] += 1
    if k[0] == "complete-batch":
        closed.add(b)
    if k[0] == "message":
        continue
    later = [j for j in range(i + 1, len(keys)) if msgs[j].get("bag", {}).get("batch-id") == b and keys[j] != k
             and first[keys[j]] > i]
    if k[0] == "complete-batch" and later:
        late += 1; print("message of a closed batch:", b, keys[later[0]])
    if k[0] == "complete-message" and any(msgs[j]["bag"].get("message-id") == k[2] for j in later):
        late += 1; print("chunk of a completed message:", k)

logs = "".join(open(p).read() for p in sys.argv[1:])
queued = {what: len(re.findall(r"Spotflow " + what + r".* queued", logs))
          for what in ("measurement", "snapshot", "summary chunk", "message completion", "batch completion")}
kinds = collections.Counter(k[0] for k in seen)
print(f"received {len(keys)} stream messages, {len(seen)} distinct ({dict(kinds)}); app logged {sum(queued.values())} "
      f"enqueued ({queued})")
print(f"adjacent duplicates {dups_adjacent} ({redelivered} of them Mosquitto's redelivery to the hub), non-adjacent duplicates {nonadj}, new messages out of order {backwards}, "
      f"completions out of place {late}")
open_batches = [b for b in batches if b not in closed]
print(f"batches {len(batches)}, closed {len(closed)}, left open {len(open_batches)} {open_batches[:3]}")
enc = collections.Counter((m["bag"].get("content-encoding", "-"), m["bag"].get("has-externalized-payload", "-"))
                          for m in msgs if m.get("kind", "message") == "message" and "bag" in m)
print("messages by (content-encoding, has-externalized-payload):", dict(enc))
big = [m for m in msgs if m.get("decoded_len", 0) > 250_000]
if big:
    print(f"large payloads: {len(big)}, decoded {min(m['decoded_len'] for m in big)}..{max(m['decoded_len'] for m in big)}"
          f" bytes, on the wire {min(m['wire_len'] for m in big)}..{max(m['wire_len'] for m in big)}, blobs "
          f"{sorted(set(m.get('blob_len') for m in big if m.get('blob_len')))[:4]}...")
br = [m for m in msgs if m.get("bag", {}).get("content-encoding") == "br"]
if br:
    sent = sum(m.get("blob_len") or m["wire_len"] for m in br); decoded = sum(m["decoded_len"] for m in br)
    print(f"br: {len(br)} messages, {sent} bytes sent for {decoded} decoded ({sent / decoded:.3f})")
plain = [m for m in msgs if "compressible_by" in m]
if plain:
    print(f"uncompressed with compression on: {len(plain)}, our encoder would have saved >0 bytes on "
          f"{sum(m['compressible_by'] > 0 for m in plain)} (max {max(m['compressible_by'] for m in plain)})")
print("topics (without ids):", {re.sub(r"(batch-id|message-id|chunk-id)=[^&]*", r"\1=…", m["topic"]) for m in msgs})

#!/usr/bin/python3
"""An independent fake of the Spotflow platform (generation A), written from the project's Spotflow wire specification only:
the provisioning HTTP API on :18090, an IoT-Hub-like hub as an MQTT client of a real Mosquitto (:18830), and the
hub's file-upload API with a blob store on :18443 (plain HTTP, as for emulators; https for both with FAKE_TLS_CERT and
FAKE_TLS_KEY, PEM files of a certificate for localhost).
It records everything to $FAKE_DIR/*.jsonl and checks the spec's rules as it goes (violations in violations.txt)."""
import hashlib, json, os, sys, threading, time, uuid, re, urllib.parse
import brotli  # Debian python3-brotli: Google's C decoder, nothing shared with the device's encoder library
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import paho.mqtt.client as mqtt

WORK = os.environ.get("FAKE_DIR", "/tmp/fake")  # records, keys and certificates live here

PT = "pt-secret-123"
WS = "7d0c2f1e-1111-4222-8333-944455556666"
LOCK = threading.Lock()
state = {"polls": 0, "rt": None, "rt_n": 0, "sas_n": 0, "twin_answered": False, "twin_gets": 0, "gap_gets": 0,
         "desired_version": 1, "reported_version": 1, "device": None, "stream": 0, "sas": None}

def serving(port, handler):
    """A server on 127.0.0.1:port, https when FAKE_TLS_CERT and FAKE_TLS_KEY name a certificate and its key."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    cert, key = os.environ.get("FAKE_TLS_CERT"), os.environ.get("FAKE_TLS_KEY")
    if cert and key:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server

def log(name, rec):
    rec["t"] = time.time()
    with LOCK, open(f"{WORK}/{name}.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")

def violation(msg):
    with LOCK, open(WORK + "/violations.txt", "a") as f:
        f.write(f"{time.time():.3f} {msg}\n")
    print("VIOLATION", msg, flush=True)

def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

class JsonHandler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

class Api(JsonHandler):
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        auth = self.headers.get("Authorization")
        try:
            body = json.loads(raw) if raw else None
        except Exception:
            body = "<not json>"
        log("http", {"method": self.command, "path": self.path, "auth": auth, "ctype": self.headers.get("Content-Type"), "body": body})
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            violation(f"{self.command} {self.path}: Content-Type {self.headers.get('Content-Type')}")
        key = (self.command, self.path)
        if key == ("POST", "/provisioning-operations/init"):
            if auth != "DeviceToken " + PT:
                return self.reply(401, {"type": "about:blank", "title": "Unauthorized", "status": 401})
            state["device"] = (body or {}).get("deviceId") or "generated-device"
            return self.reply(200, {"provisioningOperationId": "op-" + uuid.uuid4().hex[:8], "verificationCode": "VC-4242",
                                    "expirationTime": iso(datetime.now(timezone.utc) + timedelta(minutes=30))})
        if key == ("PUT", "/provisioning-operations/complete"):
            if auth != "DeviceToken " + PT:
                return self.reply(401, {"status": 401})
            state["polls"] += 1
            if state["polls"] < 3:
                return self.reply(202)
            state["rt_n"] += 1
            state["rt"] = f"rt-{state['rt_n']}"
            return self.reply(200, {"registrationToken": state["rt"], "expirationTime": iso(datetime.now(timezone.utc) + timedelta(days=14))})
        if key == ("PUT", "/devices/register"):
            if auth != "DeviceToken " + str(state["rt"]):
                return self.reply(401, {"status": 401, "title": "bad registration token"})
            if body != {"connectionStringType": "SharedAccessSignature"}:
                violation(f"register body {body}")
            state["sas_n"] += 1
            dev = f"{WS}:{state['device']}"
            sas = f"SharedAccessSignature sr=localhost%2Fdevices%2F{urllib.parse.quote(dev, safe='')}&sig=s{state['sas_n']}&se=9999999999"
            state["sas"] = sas
            sas_expiry[sas] = time.time() + SAS_LIFETIME  # like IoT Hub, the file-upload API takes any unexpired SAS
            return self.reply(200, {"connectionString": f"HostName=localhost;DeviceId={dev};SharedAccessSignature={sas}",
                                    "iotHubHostName": "localhost", "connectionStringType": "SharedAccessSignature",
                                    "connectionStringExpiration": iso(datetime.now(timezone.utc) + timedelta(seconds=SAS_LIFETIME)),
                                    "tokenRemainingLifetime": "13.23:59:59"})
        if key == ("PUT", "/devices/registration-tokens/refresh"):
            if auth != "DeviceToken " + PT:
                return self.reply(401, {"status": 401})
            state["rt_n"] += 1
            state["rt"] = f"rt-{state['rt_n']}"
            return self.reply(200, {"registrationToken": state["rt"], "expirationTime": iso(datetime.now(timezone.utc) + timedelta(days=14))})
        violation(f"unexpected request {self.command} {self.path}")
        return self.reply(404, {"status": 404})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

# ---- the hub's file-upload API and a blob store (one server: the grant's hostName points back here) ----
HUB_PORT = int(os.environ.get("FAKE_HUB_HTTP_PORT", "18443"))
CONTAINER = "device-uploads"
# a grant's query with characters that must reach the blob store unchanged (%2B, %3D)
SAS_QUERY = "?sv=2018-03-28&sr=b&sig=ab%2Bcd%3D&se=2099-01-01T00%3A00%3A00Z&sp=rw"
# FAKE_EXPECT_COMPRESSION=fastest|smallest-size: record how much an uncompressed payload would have shrunk
EXPECT_QUALITY = {"fastest": 1, "smallest-size": 11}.get(os.environ.get("FAKE_EXPECT_COMPRESSION", ""))
uploads = {}        # the device's blob name -> {correlationId, path, blob, notified}
SAS_LIFETIME = int(os.environ.get("FAKE_SAS_LIFETIME", "3600"))  # seconds; short ones make the device re-register
sas_expiry = {}
by_correlation = {}
fail_puts = [0]     # "fail-upload N" on stdin: answer the next N blob PUTs with 500
slow_put = [0.0]    # "slow-upload S" on stdin: the next blob PUT is answered after S seconds (an upload in progress)
put_rate = [0]      # "throttle-upload B" on stdin: blob PUT bodies are read at B bytes/s (a slow link), 0 = at once

class HubApi(JsonHandler):
    protocol_version = "HTTP/1.1"

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)[:size]
                if size == 0:
                    return out
                out += chunk
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def json_body(self, raw, what):
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            violation(f"{what}: Content-Type {self.headers.get('Content-Type')}")
        try:
            return json.loads(raw)
        except Exception:
            violation(f"{what}: body not JSON {raw[:100]!r}")
            return None

    def do_POST(self):
        raw = self.body()
        path, _, query = self.path.partition("?")
        auth = self.headers.get("Authorization")
        dev = f"{WS}:{state['device']}"
        log("hub-http", {"method": "POST", "path": self.path, "auth_latest": auth == state["sas"],
                         "auth_left_s": round(sas_expiry.get(auth, 0) - time.time(), 1), "len": len(raw)})
        if query != "api-version=2020-03-13":
            violation(f"POST {self.path}: query {query!r}")
            return self.reply(400, {"Message": "api-version"})
        if sas_expiry.get(auth, 0) <= time.time():
            violation(f"POST {path}: Authorization is not an unexpired SAS the fake issued: {str(auth)[:60]}")
            return self.reply(401, {"Message": "Unauthorized"})
        if path == f"/devices/{dev}/files":
            body = self.json_body(raw, "file upload request")
            if not isinstance(body, dict) or set(body) != {"blobName"} or not UUID_RE.match(str(body.get("blobName"))):
                violation(f"file upload request body {body}")
                return self.reply(400, {"Message": "blobName"})
            name = body["blobName"]
            if name in uploads:
                violation(f"blob name asked for twice: {name}")
            cid = "corr-" + uuid.uuid4().hex
            # like IoT Hub, the granted blob name is prefixed with the device id; the link keeps the device's own name
            granted = f"{dev}/{name}"
            with LOCK:
                uploads[name] = {"correlationId": cid, "path": f"/{CONTAINER}/{granted}", "blob": None, "notified": False}
                by_correlation[cid] = name
            return self.reply(200, {"correlationId": cid, "hostName": f"localhost:{HUB_PORT}",
                                    "containerName": CONTAINER, "blobName": granted, "sasToken": SAS_QUERY})
        if path == f"/devices/{dev}/files/notifications":
            body = self.json_body(raw, "file upload notification")
            expected = {"isSuccess": True, "statusCode": 200, "statusDescription": "Done"}
            name = by_correlation.get((body or {}).get("correlationId"))
            if name is None:
                violation(f"notification with an unknown correlationId: {body}")
                return self.reply(400, {"Message": "correlationId"})
            if set(body) != set(expected) | {"correlationId"} or any(body[k] != v for k, v in expected.items()):
                violation(f"notification body {body}")
            if uploads[name]["blob"] is None:
                violation(f"notification before the blob was uploaded: {name}")
            uploads[name]["notified"] = True
            return self.reply(204)
        violation(f"unexpected hub request POST {self.path}")
        return self.reply(404, {"Message": "not found"})

    def do_PUT(self):
        if put_rate[0] > 0 and self.headers.get("Content-Length"):
            # read the body as a slow uplink delivers it: the client's write and the answer take size/rate
            started, n, raw = time.time(), int(self.headers["Content-Length"]), b""
            while len(raw) < n:
                raw += self.rfile.read(min(8192, n - len(raw)))
                time.sleep(max(0.0, started + len(raw) / put_rate[0] - time.time()))
            print(f"throttled PUT of {n} bytes took {time.time() - started:.1f} s", flush=True)
        else:
            raw = self.body()
        path, sep, query = self.path.partition("?")
        log("hub-http", {"method": "PUT", "path": self.path, "blob_type": self.headers.get("x-ms-blob-type"), "len": len(raw)})
        name = next((n for n, u in list(uploads.items()) if u["path"] == path), None)
        if name is None:
            violation(f"PUT to a blob never granted: {self.path}")
            return self.reply(404, {"Message": "BlobNotFound"})
        if sep + query != SAS_QUERY:
            violation(f"PUT query {sep + query!r} is not the granted sasToken {SAS_QUERY!r}")
            return self.reply(403, {"Message": "AuthenticationFailed"})
        if self.headers.get("x-ms-blob-type") != "BlockBlob":
            violation(f"PUT without x-ms-blob-type: BlockBlob ({self.headers.get('x-ms-blob-type')})")
            return self.reply(400, {"Message": "MissingRequiredHeader"})
        if slow_put[0] > 0:
            pause, slow_put[0] = slow_put[0], 0.0
            print(f"holding the PUT of {name} for {pause} s", flush=True)
            time.sleep(pause)
        if fail_puts[0] > 0:
            fail_puts[0] -= 1
            return self.reply(500, {"Message": "InternalError (injected)"})
        uploads[name]["blob"] = raw
        return self.reply(201)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
threading.Thread(target=serving(HUB_PORT, HubApi).serve_forever, daemon=True).start()

# ---- the hub, an MQTT client of Mosquitto ----
hub = mqtt.Client(client_id="fake-iothub", clean_session=False, protocol=mqtt.MQTTv311)
UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~%]*$")

def answer_twin_get(rid):
    time.sleep(2.0)  # a slow hub: nothing may be streamed before this answer
    body = {"desired": {"$version": state["desired_version"], "interval": "5ms", "mode": "fake"},
            "reported": {"$version": state["reported_version"]}}
    state["twin_answered"] = True
    log("twin", {"kind": "GET-answered", "rid": rid, "desired_version": state["desired_version"]})
    hub.publish(f"$iothub/twin/res/200/?$rid={rid}", json.dumps(body), qos=1)

def on_message(client, userdata, msg):
    topic = msg.topic
    if topic.startswith("$iothub/twin/GET/"):
        state["twin_gets"] += 1
        if state["gap_gets"] > 0:
            state["gap_gets"] -= 1
        else:
            state["twin_answered"] = False
        rid = topic.split("$rid=", 1)[1]
        log("twin", {"kind": "GET", "topic": topic, "payload_len": len(msg.payload), "qos": msg.qos})
        threading.Thread(target=answer_twin_get, args=(rid,), daemon=True).start()
    elif topic.startswith("$iothub/twin/PATCH/properties/reported/"):
        rid = urllib.parse.parse_qs(topic.split("?", 1)[1])["$rid"][0]
        state["reported_version"] += 1
        log("twin", {"kind": "PATCH-reported", "topic": topic, "payload": msg.payload.decode(), "qos": msg.qos})
        hub.publish(f"$iothub/twin/res/204/?$rid={rid}&$version={state['reported_version']}", b"", qos=1)
    elif topic.startswith("devices/") and "/messages/events/" in topic:
        on_stream(msg)

# The property bag's keys in the spec's emission order (§4); the two completion flags share rank 10.
BAG_ORDER = {"stream-group-name": 1, "stream-name": 2, "site-id": 3, "batch-id": 4, "batch-slice-id": 5,
             "message-id": 6, "chunk-id": 7, "content-encoding": 8, "has-externalized-payload": 9,
             "complete-batch": 10, "complete-message": 10, "ignore-payload": 11}
MAX_INLINE = 250_000

def brief(data):
    # a large payload is recorded by its head, size and hash: the head holds the sample's "at"
    text = data.decode("utf-8", "replace")
    return text if len(text) <= 2000 else text[:300] + f"...<{len(data)} bytes sha256 {hashlib.sha256(data).hexdigest()[:16]}>"

def on_stream(msg):
    topic = msg.topic
    if not state["twin_answered"]:
        violation(f"stream message before the twin GET was answered: {topic}")
    prefix, bag_text = topic.split("/messages/events/", 1)
    bag, ranks = {}, []
    for pair in filter(None, bag_text.split("&")):
        k, _, v = pair.partition("=")
        if not UNRESERVED.match(v):
            violation(f"value not percent-encoded: {pair}")
        if k not in BAG_ORDER:
            violation(f"unknown property-bag key {k} in {topic}")
        elif k in bag:
            violation(f"property-bag key {k} twice in {topic}")
        else:
            ranks.append(BAG_ORDER[k])
        bag[k] = urllib.parse.unquote(v)
    if ranks != sorted(ranks):
        violation(f"property-bag keys out of the spec's order: {bag_text}")
    if msg.qos != 1 or msg.retain:
        violation(f"stream qos {msg.qos} retain {msg.retain}")
    for flag, value in (("content-encoding", "br"), ("has-externalized-payload", "true"), ("complete-batch", "true"),
                        ("complete-message", "true"), ("ignore-payload", "true")):
        if flag in bag and bag[flag] != value:
            violation(f"{flag}={bag[flag]} in {topic}")
    wire = msg.payload
    rec = {"topic": topic, "bag": bag, "wire_len": len(wire), "dup": bool(msg.dup)}  # dup: Mosquitto redelivering to us
    completion = "complete-batch" in bag or "complete-message" in bag
    if "complete-batch" in bag and "complete-message" in bag:
        violation(f"both completion flags: {topic}")
    if completion:
        kind = "complete-batch" if "complete-batch" in bag else "complete-message"
        rec["kind"] = kind
        if bag.get("ignore-payload") != "true":
            violation(f"{kind} without ignore-payload=true: {topic}")
        if wire:
            violation(f"{kind} with a payload of {len(wire)} bytes: {topic}")
        if "batch-id" not in bag:
            violation(f"{kind} without batch-id: {topic}")
        if kind == "complete-message" and "message-id" not in bag:
            violation(f"complete-message without message-id: {topic}")
        if kind == "complete-batch" and "message-id" in bag:
            violation(f"complete-batch with a message-id: {topic}")
        for flag in ("content-encoding", "has-externalized-payload"):
            if flag in bag:
                violation(f"{kind} with {flag}: {topic}")
    elif "ignore-payload" in bag:
        violation(f"ignore-payload without a completion: {topic}")
    else:
        rec["kind"] = "message"
        content = wire
        if "has-externalized-payload" in bag:
            content = resolve_link(topic, wire)
            rec["blob_len"] = None if content is None else len(content)
        elif len(wire) > MAX_INLINE:
            violation(f"inline payload of {len(wire)} bytes (> {MAX_INLINE}) without file upload: {topic}")
        if content is not None and bag.get("content-encoding") == "br":
            try:
                decoded = brotli.decompress(content)
            except Exception as ex:
                violation(f"content-encoding=br payload does not decode ({ex}): {topic}")
                decoded = None
            if decoded is not None:
                if len(content) >= len(decoded):
                    violation(f"compressed {len(content)} bytes not smaller than its {len(decoded)} decoded: {topic}")
                if not decoded:
                    violation(f"compressed an empty payload: {topic}")
            content = decoded
        elif content is not None and EXPECT_QUALITY is not None and content:
            # compression configured: our own encoder at the same quality would it have been smaller?
            rec["compressible_by"] = len(content) - len(brotli.compress(content, quality=EXPECT_QUALITY))
        if content is not None:
            rec["decoded_len"] = len(content)
            rec["payload"] = brief(content)
    state["stream"] += 1
    log("stream", rec)

def resolve_link(topic, wire):
    """The payload of a message that went through file upload: {"link":"<the device's blob name>"} -> the blob."""
    try:
        link = json.loads(wire)
    except Exception:
        violation(f"externalized payload is not JSON: {wire[:100]!r}")
        return None
    if not isinstance(link, dict) or set(link) != {"link"} or not isinstance(link["link"], str):
        violation(f"externalized payload is not {{\"link\":...}}: {wire[:200]!r}")
        return None
    with LOCK:
        up = uploads.get(link["link"])
    if up is None:
        violation(f"link to a blob never granted: {link['link']}")
        return None
    if up.get("blob") is None:
        violation(f"link to a blob never uploaded: {link['link']}")
        return None
    if not up.get("notified"):
        violation(f"link to a blob whose upload was not notified: {link['link']}")
    if len(up["blob"]) <= MAX_INLINE:
        violation(f"blob of {len(up['blob'])} bytes uploaded though it fits inline: {link['link']}")
    up["linked"] = up.get("linked", 0) + 1
    return up["blob"]

def on_connect(client, userdata, flags, rc):
    client.subscribe([("$iothub/twin/GET/#", 1), ("$iothub/twin/PATCH/properties/reported/#", 1),
                      ("devices/+/messages/events/#", 1), ("$iothub/methods/res/#", 1)])
    print("hub connected", rc, flush=True)

hub.on_connect = on_connect
hub.on_message = on_message
hub.reconnect_delay_set(1, 2)
hub.connect_async("127.0.0.1", int(os.environ.get("FAKE_MQTT_PORT", "18830")), keepalive=30)
hub.loop_start()

def control():
    # stdin commands: "patch N" sends a desired patch with version N (a gap makes the device GET the full twin),
    # "fail-upload N" answers the next N blob PUTs with 500, "slow-upload S" holds the next one S seconds,
    # "throttle-upload B" reads blob PUTs at B bytes/s (0: off), "uploads" prints what the blob store saw
    for line in sys.stdin:
        parts = line.split()
        if parts and parts[0] == "fail-upload":
            fail_puts[0] = int(parts[1])
        if parts and parts[0] == "throttle-upload":
            put_rate[0] = int(parts[1])
        if parts and parts[0] == "slow-upload":
            slow_put[0] = float(parts[1])
        if parts and parts[0] == "uploads":
            ups = list(uploads.values())
            print(f"uploads: {len(ups)} granted, {sum(u['blob'] is not None for u in ups)} uploaded, "
                  f"{sum(u['notified'] for u in ups)} notified, {sum(u.get('linked', 0) > 0 for u in ups)} linked", flush=True)
        if parts and parts[0] == "patch":
            v = int(parts[1])
            if v != state["desired_version"] + 1:
                # a gap: the device asks for the full twin while connected, and may go on streaming meanwhile
                # (spec section 3 holds stream messages back only until the twin GET after a connect)
                state["gap_gets"] += 1
            state["desired_version"] = max(state["desired_version"], v)
            body = {"$version": v, "interval": f"patched-{v}"}
            log("twin", {"kind": "PATCH-desired-sent", "version": v})
            hub.publish(f"$iothub/twin/PATCH/properties/desired/?$version={v}", json.dumps(body), qos=1)
threading.Thread(target=control, daemon=True).start()

serving(int(os.environ.get("FAKE_HTTP_PORT", "18090")), Api).serve_forever()

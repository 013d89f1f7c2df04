#!/usr/bin/python3
"""An independent fake of the Spotflow platform (generation A), written from the project's Spotflow wire specification only:
the provisioning HTTP API on :18090 and an IoT-Hub-like hub as an MQTT client of a real Mosquitto (:18830).
It records everything to $FAKE_DIR/*.jsonl and checks the spec's rules as it goes (violations in violations.txt)."""
import json, os, sys, threading, time, uuid, re, urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import paho.mqtt.client as mqtt

WORK = os.environ.get("FAKE_DIR", "/tmp/fake")  # records, keys and certificates live here

PT = "pt-secret-123"
WS = "7d0c2f1e-1111-4222-8333-944455556666"
LOCK = threading.Lock()
state = {"polls": 0, "rt": None, "rt_n": 0, "sas_n": 0, "twin_answered": False, "twin_gets": 0,
         "desired_version": 1, "reported_version": 1, "device": None, "stream": 0}

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

class Api(BaseHTTPRequestHandler):
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
            return self.reply(200, {"connectionString": f"HostName=localhost;DeviceId={dev};SharedAccessSignature={sas}",
                                    "iotHubHostName": "localhost", "connectionStringType": "SharedAccessSignature",
                                    "connectionStringExpiration": iso(datetime.now(timezone.utc) + timedelta(hours=1)),
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
        if not state["twin_answered"]:
            violation(f"stream message before the twin GET was answered: {topic}")
        prefix, bag = topic.split("/messages/events/", 1)
        for pair in filter(None, bag.split("&")):
            k, _, v = pair.partition("=")
            if not UNRESERVED.match(v):
                violation(f"value not percent-encoded: {pair}")
        if msg.qos != 1 or msg.retain:
            violation(f"stream qos {msg.qos} retain {msg.retain}")
        state["stream"] += 1
        log("stream", {"topic": topic, "payload": msg.payload.decode("utf-8", "replace")})

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
    # stdin commands: "patch N" sends a desired patch with version N (a gap makes the device GET the full twin)
    for line in sys.stdin:
        parts = line.split()
        if parts and parts[0] == "patch":
            v = int(parts[1])
            state["desired_version"] = max(state["desired_version"], v)
            body = {"$version": v, "interval": f"patched-{v}"}
            log("twin", {"kind": "PATCH-desired-sent", "version": v})
            hub.publish(f"$iothub/twin/PATCH/properties/desired/?$version={v}", json.dumps(body), qos=1)
threading.Thread(target=control, daemon=True).start()

ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("FAKE_HTTP_PORT", "18090"))), Api).serve_forever()

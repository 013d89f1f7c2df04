#!/usr/bin/python3
"""An independent fake of Astarte (pairing API on :18091 under /pairing, and the data side as an MQTT client of a
real Mosquitto whose :18884 listener requires the client certificate this fake signs). Written from
the project's Astarte wire specification only. Records to $FAKE_DIR/*.jsonl; spec violations to violations.txt."""
import base64, json, os, re, subprocess, sys, tempfile, threading, time, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import bson
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography import x509

WORK = os.environ.get("FAKE_DIR", "/tmp/afake")  # records, keys and certificates live here

REALM = "test"
SECRET_FILE = WORK + "/secret"
if not os.path.exists(SECRET_FILE):
    open(SECRET_FILE, "w").write(base64.b64encode(os.urandom(32)).decode())
SECRET = open(SECRET_FILE).read()
PUB = serialization.load_pem_public_key(open(WORK + "/realm.pub", "rb").read())
LOCK = threading.Lock()
# The device of the run (register sets it too), so that a restarted fake still knows it.
state = {"device": open(WORK + "/device-id").read().strip() if os.path.exists(WORK + "/device-id") else None,
         "certs": 0}

def log(name, rec):
    rec["t"] = time.time()
    with LOCK, open(f"{WORK}/{name}.jsonl", "a") as f:
        f.write(json.dumps(rec, default=str) + "\n")

def violation(msg):
    with LOCK, open(WORK + "/violations.txt", "a") as f:
        f.write(f"{time.time():.3f} {msg}\n")
    print("VIOLATION", msg, flush=True)

def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def check_jwt(auth):
    if not auth or not auth.startswith("Bearer "):
        return "no Bearer JWT"
    h, p, s = auth[7:].split(".")
    header, claims = json.loads(b64url(h)), json.loads(b64url(p))
    if header.get("alg") != "ES256":
        return f"alg {header.get('alg')} for a P-256 realm key"
    sig = b64url(s)
    if len(sig) != 64:
        return f"ES256 signature of {len(sig)} bytes, not raw R||S"
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        PUB.verify(der, f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return "bad signature"
    if not any(re.fullmatch(rule.split("::")[0], "POST") and re.fullmatch(rule.split("::")[1], "agent/devices")
               for rule in claims.get("a_pa", [])):
        return f"a_pa {claims.get('a_pa')} does not allow POST agent/devices"
    if "iat" not in claims:
        return "no iat"
    return None

class Pairing(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = json.loads(raw) if raw else None
        auth = self.headers.get("Authorization")
        log("http", {"method": self.command, "path": self.path, "ctype": self.headers.get("Content-Type"),
                     "auth": (auth or "")[:16] + "...", "body": body if "csr" not in raw.decode() else "<csr>"})
        p = self.path
        if self.command == "POST" and p == f"/pairing/v1/{REALM}/agent/devices":
            err = check_jwt(auth)
            if err:
                violation("register: " + err)
                return self.reply(401, {"errors": {"detail": err}})
            hw = body["data"]["hw_id"]
            if not re.fullmatch(r"[A-Za-z0-9_-]{22}", hw):
                return self.reply(422, {"errors": {"hw_id": ["is not a valid base64 encoded 128 bits id"]}})
            state["device"] = hw
            return self.reply(201, {"data": {"credentials_secret": SECRET}})
        m = re.fullmatch(rf"/pairing/v1/{REALM}/devices/([A-Za-z0-9_-]+)(/protocols/astarte_mqtt_v1/credentials(/verify)?)?", p)
        if not m:
            violation(f"unexpected {self.command} {p}")
            return self.reply(404, {"errors": {"detail": "not found"}})
        if auth != "Bearer " + SECRET:
            violation(f"{p}: Authorization is not 'Bearer <secret>'")
            return self.reply(403, {"errors": {"detail": "forbidden"}})
        dev = m.group(1)
        if self.command == "GET" and not m.group(2):
            return self.reply(200, {"data": {"version": "1.2.0", "status": "confirmed" if state["certs"] else "pending",
                                             "protocols": {"astarte_mqtt_v1": {"broker_url": "mqtts://localhost:18884/"}}}})
        if self.command == "POST" and m.group(3):
            crt = x509.load_pem_x509_certificate(body["data"]["client_crt"].encode())
            valid = crt.subject.rfc4514_string() == f"CN={REALM}/{dev}"
            if state.pop("invalid_once", False):
                log("sent", {"kind": "verify-invalid"})
                return self.reply(200, {"data": {"valid": False, "timestamp": "2026-12-02 11:00:00.000Z", "cause": "REVOKED", "details": None}})
            return self.reply(200, {"data": {"valid": valid, "timestamp": "2026-12-02 11:00:00.000Z"}})
        if self.command == "POST" and m.group(2):
            csr = x509.load_pem_x509_csr(body["data"]["csr"].encode())
            cn = csr.subject.rfc4514_string()
            if f"CN={REALM}/{dev}" not in cn:
                violation(f"CSR subject {cn}")
            if not isinstance(csr.public_key(), ec.EllipticCurvePublicKey) or csr.public_key().curve.name != "secp256r1":
                violation("CSR key is not EC P-256")
            with tempfile.TemporaryDirectory() as d:
                open(f"{d}/r.csr", "w").write(body["data"]["csr"])
                subprocess.run(["openssl", "x509", "-req", "-in", f"{d}/r.csr", "-CA", WORK + "/ca.crt", "-CAkey",
                                WORK + "/ca.key", "-CAcreateserial", "-days", "1", "-out", f"{d}/r.crt"],
                               check=True, capture_output=True)
                state["certs"] += 1
                return self.reply(201, {"data": {"client_crt": open(f"{d}/r.crt").read()}})
        violation(f"unexpected {self.command} {p}")
        return self.reply(405, {"errors": {"detail": "method"}})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

hub = mqtt.Client(client_id="fake-astarte-dup", clean_session=False, protocol=mqtt.MQTTv311)

def on_message(client, userdata, msg):
    parts = msg.topic.split("/", 2)
    rec = {"topic": msg.topic, "qos": msg.qos, "retain": msg.retain, "len": len(msg.payload)}
    rest = parts[2] if len(parts) > 2 else ""
    if len(parts) == 2:
        rec["kind"] = "introspection"; rec["payload"] = msg.payload.decode()
        for token in rec["payload"].split(";"):
            if len(token.split(":")) != 3:
                violation(f"introspection token {token!r}")
    elif rest == "control/emptyCache":
        rec["kind"] = "emptyCache"; rec["payload"] = msg.payload.decode()
        if msg.payload != b"1":
            violation(f"emptyCache payload {msg.payload!r}")
    elif rest == "control/producer/properties":
        size = int.from_bytes(msg.payload[:4], "big")
        text = zlib.decompress(msg.payload[4:]).decode()
        rec["kind"] = "producer-properties"; rec["payload"] = text
        if size != len(text.encode()):
            violation(f"purge header {size} != {len(text.encode())}")
    elif rest.startswith("control/"):
        rec["kind"] = "control"
    else:
        rec["kind"] = "data"
        if msg.payload:
            doc = bson.decode(msg.payload)
            rec["payload"] = doc
            if "v" not in doc:
                violation(f"BSON without v: {doc}")
        else:
            rec["payload"] = "<unset>"
    if rec["kind"] in ("introspection", "emptyCache", "producer-properties") and msg.qos != 2:
        violation(f"{rec['kind']} at QoS {msg.qos}")
    if msg.retain:
        violation(f"retained publish on {msg.topic}")
    log("mqtt", rec)

def on_connect(client, userdata, flags, rc):
    client.subscribe([(f"{REALM}/#", 2)])
    print("hub connected", rc, flush=True)

hub.on_connect = on_connect
hub.on_message = on_message
hub.connect_async("127.0.0.1", 18885, keepalive=30)
hub.loop_start()

def control():
    # "cmd <id> <text>": a value on the server-owned datastream; "purge <list>": consumer/properties
    for line in sys.stdin:
        parts = line.strip().split(" ", 2)
        dev = state["device"]
        if parts[0] == "invalid":
            state["invalid_once"] = True
        elif parts[0] == "cmd":
            payload = bson.encode({"v": parts[2]})
            hub.publish(f"{REALM}/{dev}/org.iotspring.sample.Commands/{parts[1]}/message", payload, qos=2)
            log("sent", {"kind": "cmd", "id": parts[1], "text": parts[2]})
        elif parts[0] == "purge":
            text = (parts[1] if len(parts) > 1 else "").encode()
            hub.publish(f"{REALM}/{dev}/control/consumer/properties", len(text).to_bytes(4, "big") + zlib.compress(text), qos=2)
            log("sent", {"kind": "purge", "text": text.decode()})
threading.Thread(target=control, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", 18091), Pairing).serve_forever()

#!/usr/bin/python3
"""An independent fake of StellaNow's identity provider (Keycloak-style resource-owner password grant, public client
`event-ingestor`) on :18092, written from the project's StellaNow wire specification only. Tokens live 30 s so that
a refresh happens within a minute; `forget` on standard input makes the next refresh fail with 400 invalid_grant
(a dead refresh token). Records every request to $FAKE_DIR/oidc.jsonl; violations to violations.txt."""
import json, os, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORK = os.environ.get("FAKE_DIR", "/tmp/fake")
ORG = os.environ.get("ORG", "0f5a2c9e-3b1d-4c7a-9e2f-8a6b5c4d3e21")
USER, PASSWORD = "ingest@example.com", "s3cret-pw"
LOCK = threading.Lock()
state = {"n": 0, "refresh": set()}

def log(rec):
    rec["t"] = time.time()
    with LOCK, open(f"{WORK}/oidc.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")

def violation(msg):
    with LOCK, open(f"{WORK}/violations.txt", "a") as f:
        f.write(f"{time.time():.3f} oidc: {msg}\n")

def tokens():
    state["n"] += 1
    n = state["n"]
    state["refresh"].add(f"rt-{n}")
    return {"access_token": f"at-{n}", "refresh_token": f"rt-{n}", "expires_in": 30, "refresh_expires_in": 1800,
            "token_type": "Bearer"}

class Token(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        shown = {k: ("***" if k in ("password", "refresh_token") else v) for k, v in form.items()}
        log({"path": self.path, "ctype": self.headers.get("Content-Type"), "form": shown,
             "refresh_token": form.get("refresh_token")})
        if self.path != f"/auth/realms/{ORG}/protocol/openid-connect/token":
            violation(f"token request to {self.path}")
            return self.reply(404, {"error": "not_found"})
        if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            violation(f"content type {self.headers.get('Content-Type')}")
        if form.get("client_id") != "event-ingestor":
            return self.reply(401, {"error": "invalid_client", "error_description": "Invalid client"})
        if form.get("grant_type") == "password":
            if form.get("username") != USER or form.get("password") != PASSWORD:
                return self.reply(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
            return self.reply(200, tokens())
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in state["refresh"]:
                return self.reply(400, {"error": "invalid_grant", "error_description": "Token is not active"})
            state["refresh"].discard(form["refresh_token"])
            return self.reply(200, tokens())
        return self.reply(400, {"error": "unsupported_grant_type"})

def control():
    for line in sys.stdin:
        if line.strip() == "forget":
            state["refresh"].clear()
            log({"control": "refresh tokens forgotten"})
threading.Thread(target=control, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", 18092), Token).serve_forever()

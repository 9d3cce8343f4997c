#!/usr/bin/env python3
"""The server of acme_client.html (loopback only): the page and its CSR on PAGE_PORT, POST
/present publishes an http-01 key authorization, which HTTP01_PORT then serves at
/.well-known/acme-challenge/TOKEN, and POST /result writes the page's outcome to RESULT_FILE.
Usage: page_server.py PAGE_PORT HTTP01_PORT PAGE_FILE CSR_FILE RESULT_FILE"""
import http.server
import json
import os
import sys
import threading

page_port, http01_port = int(sys.argv[1]), int(sys.argv[2])
page_file, csr_file, result_file = sys.argv[3], sys.argv[4], sys.argv[5]
published = {}


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Page(Quiet):
    def do_GET(self):
        if self.path.split("?")[0] == "/acme_client.html":
            self.answer(200, open(page_file, "rb").read(), "text/html; charset=utf-8")
        elif self.path == "/csr":
            self.answer(200, open(csr_file, "rb").read())
        else:
            self.answer(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/present":
            item = json.loads(body)
            published[item["token"]] = item["keyAuthorization"]
            self.answer(204)
        elif self.path == "/result":
            with open(result_file + ".part", "wb") as f:
                f.write(body)
            os.replace(result_file + ".part", result_file)
            self.answer(204)
        else:
            self.answer(404)


class Http01(Quiet):
    def do_GET(self):
        prefix = "/.well-known/acme-challenge/"
        token = self.path[len(prefix):] if self.path.startswith(prefix) else None
        if token in published:
            self.answer(200, published[token].encode())
        else:
            self.answer(404)


servers = [http.server.ThreadingHTTPServer(("127.0.0.1", page_port), Page),
           http.server.ThreadingHTTPServer(("127.0.0.1", http01_port), Http01)]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("ready", flush=True)
servers[0].serve_forever()

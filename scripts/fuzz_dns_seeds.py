#!/usr/bin/env python3
"""Seeds for the DNS fuzz targets (scripts/fuzz.sh): fuzz_dns_seeds.py answer|query DIR."""
import struct
import sys


def name(n):
    return b"".join(bytes([len(label)]) + label.encode() for label in n.split(".")) + b"\0"


def answers(directory):
    def rr(owner, rtype, rdata):
        return name(owner) + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata
    def message(qtype, answers, rcode=0):
        head = struct.pack(">HHHHHH", 0x1234, 0x8400 | rcode, 1, len(answers), 0, 0)
        return head + name("a.example.test") + struct.pack(">HH", qtype, 1) + b"".join(answers)
    txt = lambda *parts: b"".join(bytes([len(p)]) + p for p in parts)
    seeds = {
        "txt": (2, message(16, [rr("a.example.test", 16, txt(b"value-one")), rr("a.example.test", 16, txt(b"two", b"parts"))])),
        "cname-txt": (2, message(16, [rr("a.example.test", 5, name("b.example.test")), rr("b.example.test", 16, txt(b"there"))])),
        "alias": (2, message(16, [rr("a.example.test", 5, name("b.other.test"))])),
        "loop": (0, message(1, [rr("a.example.test", 5, name("b.example.test")), rr("b.example.test", 5, name("a.example.test"))])),
        "nxdomain-chain": (2, message(16, [rr("A.Example.Test", 5, name("gone.example.test"))], rcode=3)),
        "a": (0, message(1, [rr("a.example.test", 1, bytes([127, 0, 0, 1]))])),
        "aaaa": (3, message(28, [rr("a.example.test", 28, bytes(15) + b"\1")])),
        "ns": (1, message(2, [rr("a.example.test", 2, name("ns.example.test"))])),
        "caa": (4, message(257, [rr("a.example.test", 257, b"\0\5issueca.example")])),
    }
    # the owner as a pointer to the question's name (offset 12), as servers compress it
    q = struct.pack(">HHHHHH", 0x1234, 0x8400, 1, 1, 0, 0) + name("a.example.test") + struct.pack(">HH", 16, 1)
    seeds["compressed"] = (2, q + b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 6) + txt(b"short"))
    for key, (kind, body) in seeds.items():
        with open(f"{directory}/{key}", "wb") as out:
            out.write(bytes([kind]) + body)


def queries(directory):
    def query(qname, qtype, edns=0, flags=0x0100):
        q = struct.pack(">HHHHHH", 0x4242, flags, 1, 0, 0, 1 if edns else 0) + name(qname) + struct.pack(">HH", qtype, 1)
        return q + (b"\0" + struct.pack(">HHIH", 41, edns, 0, 0) if edns else b"")
    seeds = {
        "txt": query("_acme-challenge.a.example.test", 16),
        "txt-edns": query("_acme-challenge.a.example.test", 16, 1232),
        "a-case": query("A.Example.TEST", 1),
        "aaaa": query("a.example.test", 28),
        "caa": query("example.test", 257),
        "cname": query("b.example.test", 5),
        "chain": query("b.example.test", 1, 4096),
        "loop": query("l0.example.test", 16),
        "nx": query("none.example.test", 16),
        "status": query("a.example.test", 1, flags=0x1000),
    }
    for key, body in seeds.items():
        with open(f"{directory}/{key}", "wb") as out:
            out.write(body)


if __name__ == "__main__":
    {"answer": answers, "query": queries}[sys.argv[1]](sys.argv[2])

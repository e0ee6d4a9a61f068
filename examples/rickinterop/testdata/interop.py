"""The Python side of rickinterop's test, on the standard library alone.

rick is not installed here, so this script does by hand exactly what rick
does with the bytes in Redis:

  RedisCache.get            -> pickle.loads(raw)
  RedisCache(serializer=msgpack.packb, deserializer=msgpack.unpackb)
                            -> rick's msgpack with ext 1 date, 2 datetime,
                               3 Decimal, 4 UUID (a small decoder below)
  CryptRedisCache.get       -> Fernet256: base64url, version 0x81,
                               HMAC-SHA256 with key[:32] (AES needs a
                               library, so the ciphertext is not opened)

stdin:  JSON {"key": str, "pickle_order": b64, "msgpack_order": b64,
              "crypt_order": b64, "profile": b64} (what Go wrote)
stdout: JSON {"pickle_order": b64, "msgpack_order": b64, "profile": b64}
        (what rick would write, for Go to read)
Any mismatch raises, so the exit status is non-zero.
"""

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import pickle
import struct
import sys
import time
import uuid

UTC = datetime.timezone.utc

GO_ORDER = {
    "timestamp": datetime.datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC),
    "amount": decimal.Decimal("123.45"),
    "user": "alice",
    "count": 42,
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "tags": ["go", "python"],
}
GO_PROFILE = {"id": 42, "name": "Ada Lovelace", "email": "ada@example.com", "roles": ["admin"]}

# What Python writes back: other values, an offset that is not UTC, a tuple
# (Go reads it as a list) and a key Go has no field for (ignored).
PY_ORDER = {
    "timestamp": datetime.datetime(2025, 6, 30, 23, 59, 58, 123456,
                                   tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    "amount": decimal.Decimal("0.10"),
    "user": "bob",
    "count": 7,
    "id": uuid.UUID("87654321-4321-8765-4321-876543218765"),
    "tags": ("py",),
    "note": None,
}
PY_PROFILE = {"id": 42, "name": "Grace Hopper", "email": "grace@example.com", "roles": ["admin", "navy"]}


def expect(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
    if type(got) is not type(want):
        raise SystemExit(f"{what}: got type {type(got).__name__}, want {type(want).__name__}")


def expect_dict(what, got, want):
    expect(what + " keys", sorted(got), sorted(want))
    for k in want:
        expect(f"{what}[{k!r}]", got[k], want[k])
        if isinstance(want[k], datetime.datetime):
            expect(f"{what}[{k!r}] offset", got[k].utcoffset(), want[k].utcoffset())


# --- rick's msgpack (msgpack.packb/unpackb with rick's default and ext_hook)

class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated msgpack")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")


def unpack(r):
    b = r.uint(1)
    if b <= 0x7F:
        return b
    if b >= 0xE0:
        return b - 0x100
    if 0x80 <= b <= 0x8F:
        return unpack_map(r, b & 0x0F)
    if 0x90 <= b <= 0x9F:
        return [unpack(r) for _ in range(b & 0x0F)]
    if 0xA0 <= b <= 0xBF:
        return r.take(b & 0x1F).decode()
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if b in simple:
        return simple[b]
    if b in (0xC4, 0xC5, 0xC6):
        return bytes(r.take(r.uint({0xC4: 1, 0xC5: 2, 0xC6: 4}[b])))
    if b in (0xC7, 0xC8, 0xC9):
        n = r.uint({0xC7: 1, 0xC8: 2, 0xC9: 4}[b])
        return ext(r.uint(1), r.take(n))
    if 0xD4 <= b <= 0xD8:
        code = r.uint(1)
        return ext(code, r.take(1 << (b - 0xD4)))
    if b == 0xCB:
        return struct.unpack(">d", r.take(8))[0]
    if 0xCC <= b <= 0xCF:
        return r.uint(1 << (b - 0xCC))
    if 0xD0 <= b <= 0xD3:
        n = 1 << (b - 0xD0)
        return int.from_bytes(r.take(n), "big", signed=True)
    if b in (0xD9, 0xDA, 0xDB):
        return r.take(r.uint({0xD9: 1, 0xDA: 2, 0xDB: 4}[b])).decode()
    if b in (0xDC, 0xDD):
        return [unpack(r) for _ in range(r.uint(2 if b == 0xDC else 4))]
    if b in (0xDE, 0xDF):
        return unpack_map(r, r.uint(2 if b == 0xDE else 4))
    raise ValueError(f"msgpack byte 0x{b:02x} not expected from rick's packb")


def unpack_map(r, n):
    out = {}
    for _ in range(n):
        k = unpack(r)
        out[k] = unpack(r)
    return out


def ext(code, payload):
    # rick.serializer.msgpack's ext_hook
    if code == 1:
        return datetime.date.fromisoformat(payload.decode())
    if code == 2:
        return datetime.datetime.fromisoformat(payload.decode())
    if code == 3:
        return decimal.Decimal(payload.decode())
    if code == 4:
        return uuid.UUID(bytes=payload)
    raise ValueError(f"Unknown extension type code: {code}")


def unpackb(data):
    r = Reader(data)
    v = unpack(r)
    if r.pos != len(data):
        raise ValueError("trailing bytes after msgpack value")
    return v


def packb(v):
    # msgpack.packb(v, default=rick's default, use_bin_type=True), for the
    # types PY_ORDER holds
    if v is None:
        return b"\xc0"
    if isinstance(v, bool):
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        if 0 <= v <= 0x7F:
            return bytes([v])
        if -32 <= v < 0:
            return bytes([v + 0x100])
        return b"\xd3" + v.to_bytes(8, "big", signed=True)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        return b"\xd9" + bytes([len(b)]) + b
    if isinstance(v, (list, tuple)):
        return bytes([0x90 | len(v)]) + b"".join(packb(e) for e in v)
    if isinstance(v, dict):
        return bytes([0x80 | len(v)]) + b"".join(packb(k) + packb(e) for k, e in v.items())
    if isinstance(v, datetime.datetime):
        return pack_ext(2, v.isoformat().encode())
    if isinstance(v, datetime.date):
        return pack_ext(1, v.isoformat().encode())
    if isinstance(v, decimal.Decimal):
        return pack_ext(3, str(v).encode())
    if isinstance(v, uuid.UUID):
        return pack_ext(4, v.bytes)
    raise TypeError(f"Unknown type: {type(v)}")


def pack_ext(code, payload):
    fix = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
    if len(payload) in fix:
        return bytes([fix[len(payload)], code]) + payload
    return b"\xc7" + bytes([len(payload), code]) + payload


# --- Fernet256 as rick's CryptRedisCache stores it

def check_fernet256(token, key):
    raw = base64.urlsafe_b64decode(token)
    if len(raw) < 73 or (len(raw) - 57) % 16 != 0:
        raise SystemExit(f"Fernet256 token of {len(raw)} bytes has the wrong length")
    expect("token version", raw[0], 0x81)
    key_bytes = key.encode("utf-8")  # CryptRedisCache uses the key's 64 UTF-8 bytes as they are
    expect("key length", len(key_bytes), 64)
    mac = hmac.new(key_bytes[:32], raw[:-32], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, raw[-32:]):
        raise SystemExit("Fernet256 HMAC does not verify with key[:32]")
    ts = struct.unpack(">Q", raw[1:9])[0]
    if abs(ts - time.time()) > 3600:
        raise SystemExit(f"Fernet256 timestamp {ts} is not the time of writing")


def main():
    got = json.load(sys.stdin)
    b = {k: base64.b64decode(v) for k, v in got.items() if k != "key"}

    expect_dict("pickle order", pickle.loads(b["pickle_order"]), GO_ORDER)
    expect_dict("msgpack order", unpackb(b["msgpack_order"]), GO_ORDER)
    expect_dict("profile", pickle.loads(b["profile"]), GO_PROFILE)
    check_fernet256(b["crypt_order"], got["key"])

    json.dump({
        "pickle_order": base64.b64encode(pickle.dumps(PY_ORDER, protocol=4)).decode(),
        "msgpack_order": base64.b64encode(packb(PY_ORDER)).decode(),
        # protocol 5 is what rick writes on Python 3.14 and later
        "profile": base64.b64encode(pickle.dumps(PY_PROFILE, protocol=5)).decode(),
    }, sys.stdout)


main()

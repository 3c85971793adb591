#!/usr/bin/python3
"""Decodes VexFS events with Debian's python3-avro, given only the .avsc files.

usage: avro_decode.py kcat <schema_dir>       < kcat -f '%S:%s' output   (single-object encoded values)
       avro_decode.py container <segment.avro>                          (an Avro object container file)
Prints one JSON object per event: {"seq", "node", "kind", "op", "key", "id", "payload_path"}.
"""
import io, json, os, sys
import avro.io, avro.schema, avro.datafile

EMPTY = 0xC15D213AA4D7A795
TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
    TABLE.append(fp)


def crc64_avro(data: bytes) -> bytes:
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ TABLE[(fp ^ b) & 0xFF]
    return fp.to_bytes(8, "little")


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def collapse(node, seen):
    """The spec's [PRIMITIVES] rule ({"type": "long"} becomes "long") and a named type written
    in full only where it is first defined (later uses are its full name)."""
    if isinstance(node, dict):
        if set(node) == {"type"} and node["type"] in PRIMITIVES:
            return node["type"]
        if "name" in node and node.get("type") in ("record", "enum", "fixed"):
            if node["name"] in seen:
                return node["name"]
            seen.add(node["name"])
        return {k: collapse(v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [collapse(v, seen) for v in node]
    return node


def parsing_canonical_form(schema) -> str:
    # python3-avro 1.11.1's canonical_form departs from the spec in two ways: it leaves
    # {"type": "string"} where a logicalType was stripped, and it repeats a named type in full
    # where it is used again. Undo both so the fingerprint is the specified one (as Java and
    # avsc compute it).
    return json.dumps(collapse(json.loads(schema.canonical_form), set()), separators=(",", ":"))


def load_event_schema(schema_dir):
    names = avro.schema.Names()
    for name in ["FsPayload", "VectorPayload", "SemanticPayload", "SystemPayload"]:
        with open(os.path.join(schema_dir, name + ".avsc")) as f:
            avro.schema.make_avsc_object(json.load(f), names)
    with open(os.path.join(schema_dir, "Event.avsc")) as f:
        return avro.schema.make_avsc_object(json.load(f), names)


def summary(rec):
    p = rec["payload"]
    return {"seq": rec["seq"], "node": rec["node"], "kind": rec["kind"], "op": rec["op"], "key": rec["key"],
            "id": str(rec["id"]), "payload_path": p.get("path") or p.get("collection") or p.get("type")}


def kcat(schema_dir):
    schema = load_event_schema(schema_dir)
    fingerprint = crc64_avro(parsing_canonical_form(schema).encode("utf-8"))
    reader = avro.io.DatumReader(schema)
    data = sys.stdin.buffer.read()
    pos = 0
    while pos < len(data):
        colon = data.index(b":", pos)
        size = int(data[pos:colon])
        value = data[colon + 1: colon + 1 + size]
        pos = colon + 1 + size
        if value[:2] != b"\xc3\x01":
            sys.exit("not single-object encoded: %s" % value[:2].hex())
        if value[2:10] != fingerprint:
            sys.exit("fingerprint %s != CRC-64-AVRO of the .avsc canonical form %s" % (value[2:10].hex(), fingerprint.hex()))
        rec = reader.read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
        print(json.dumps(summary(rec)))


def container(path):
    with open(path, "rb") as f:
        for rec in avro.datafile.DataFileReader(f, avro.io.DatumReader()):
            print(json.dumps(summary(rec)))


if __name__ == "__main__":
    {"kcat": kcat, "container": container}[sys.argv[1]](sys.argv[2])

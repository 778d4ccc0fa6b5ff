"""The lab's JSON protocol: protocol.schema.json is its one description.

Every document a command prints (and lab.json) is checked against its definition in the
schema before it is written: a document that does not match is a bug, reported as an
error instead of being printed.  Swift's `Tests/UnitTests/LabProtocolTests.swift` decodes
every example in the same file into the `x-swift` type named there and encodes it back.

The validator below implements the subset of JSON Schema 2020-12 the file uses (`SUPPORTED`);
the unit tests check that the file uses nothing else and that `jsonschema`, where installed,
agrees with it.  It is here because importing `jsonschema` would add ~70 ms to every command.

    python -m fedbotlab.protocol KIND < doc.json    # check one document (exit 1 on problems)
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any

from fedbotlab.common import PACKAGE_DIR, Json, LabError

SCHEMA_PATH = os.path.join(PACKAGE_DIR, "protocol.schema.json")

SUPPORTED = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "minimum",
        "anyOf",
        "properties",
        "required",
        "additionalProperties",
        "items",
    }
)
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "x-swift"}
)

# Where properties were seen with a non-null value: schema pointer -> property names.
Coverage = dict[str, set[str]]


@functools.cache
def schema() -> Json:
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        root: Json = json.load(f)
    return root


def _type_ok(name: str, value: Any) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    return isinstance(value, kinds[name])


class _Validator:
    def __init__(self, root: Json, seen: Coverage | None) -> None:
        self.root = root
        self.seen = seen

    def resolve(self, node: Json, ptr: str) -> tuple[Json, str]:
        while "$ref" in node:
            ref = str(node["$ref"])
            if not ref.startswith("#/$defs/"):
                raise ValueError(f"unsupported $ref {ref}")
            ptr = ref[1:]
            node = self.root["$defs"][ref[len("#/$defs/") :]]
        return node, ptr

    def check(self, node: Json, value: Any, where: str, ptr: str) -> list[str]:
        node, ptr = self.resolve(node, ptr)
        problems = self.scalar(node, value, where)
        if problems:
            return problems
        if "anyOf" in node:
            return self.any_of(node["anyOf"], value, where, ptr)
        if isinstance(value, dict):
            return self.object(node, value, where, ptr)
        if isinstance(value, list) and "items" in node:
            return [
                p
                for i, v in enumerate(value)
                for p in self.check(node["items"], v, f"{where}[{i}]", f"{ptr}/items")
            ]
        return []

    def scalar(self, node: Json, value: Any, where: str) -> list[str]:
        types = node.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_type_ok(n, value) for n in names):
                return [f"{where}: expected {' or '.join(names)}, got {json.dumps(value)[:80]}"]
        if "enum" in node and not any(value == e and type(value) is type(e) for e in node["enum"]):
            return [f"{where}: {json.dumps(value)} is not one of {node['enum']}"]
        if "const" in node and value != node["const"]:
            return [f"{where}: expected {json.dumps(node['const'])}"]
        if "minimum" in node and _type_ok("number", value) and value < node["minimum"]:
            return [f"{where}: {value} is below {node['minimum']}"]
        return []

    def any_of(self, options: list[Json], value: Any, where: str, ptr: str) -> list[str]:
        found: list[str] = []
        for i, option in enumerate(options):
            problems = _Validator(self.root, None).check(option, value, where, f"{ptr}/anyOf/{i}")
            if not problems:
                return self.check(option, value, where, f"{ptr}/anyOf/{i}")  # records coverage
            found += problems
        return [f"{where}: matches none of {len(options)} alternatives ({'; '.join(found)})"]

    def object(self, node: Json, value: Json, where: str, ptr: str) -> list[str]:
        props: Json = node.get("properties", {})
        problems = [
            f"{where}: missing {key!r}" for key in node.get("required", []) if key not in value
        ]
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                problems += self.check(
                    props[key], item, f"{where}.{key}", f"{ptr}/properties/{key}"
                )
                if item is not None and self.seen is not None:
                    self.seen.setdefault(ptr, set()).add(key)
            elif extra is False:
                problems.append(f"{where}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                problems += self.check(extra, item, f"{where}.{key}", f"{ptr}/additionalProperties")
        return problems


def validate(kind: str, doc: Any, seen: Coverage | None = None) -> list[str]:
    """Problems of `doc` as the definition `kind` of protocol.schema.json (empty: it matches)."""
    root = schema()
    if kind not in root["$defs"]:
        return [f"protocol.schema.json has no definition {kind!r}"]
    return _Validator(root, seen).check({"$ref": f"#/$defs/{kind}"}, doc, kind, "")


def check(kind: str, doc: Any) -> None:
    problems = validate(kind, doc)
    if problems:
        raise LabError(
            f"lab bug: this {kind!r} document does not match "
            f"scripts/fedbotlab/protocol.schema.json: {'; '.join(problems[:5])}",
            document=json.dumps(doc)[:4000],
        )


def emit(kind: str, obj: Json) -> None:
    """Print `obj` as the command's one JSON line, after checking it against the schema."""
    check(kind, obj)
    sys.stdout.write(json.dumps(obj, sort_keys=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m fedbotlab.protocol KIND < document.json", file=sys.stderr)
        return 2
    problems = validate(argv[0], json.load(sys.stdin))
    for p in problems:
        print(f"protocol: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

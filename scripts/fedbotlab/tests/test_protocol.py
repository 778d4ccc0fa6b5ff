"""protocol.schema.json: well-formed, complete, strict, and what the code emits."""

from __future__ import annotations

import ast
import copy
import glob
import importlib.util
import os
import unittest
from collections.abc import Iterator
from typing import Any

from fedbotlab import protocol
from fedbotlab.common import PACKAGE_DIR, Json

SCHEMA = protocol.schema()
DEFS: dict[str, Json] = SCHEMA["$defs"]


def nodes(node: Any, ptr: str) -> Iterator[tuple[str, Json]]:
    """Every subschema with its pointer, as protocol's validator names them."""
    if not isinstance(node, dict):
        return
    yield ptr, node
    for key, sub in node.get("properties", {}).items():
        yield from nodes(sub, f"{ptr}/properties/{key}")
    for i, sub in enumerate(node.get("anyOf", [])):
        yield from nodes(sub, f"{ptr}/anyOf/{i}")
    for key in ("items", "additionalProperties"):
        yield from nodes(node.get(key), f"{ptr}/{key}")


def all_nodes() -> Iterator[tuple[str, Json]]:
    for name, node in DEFS.items():
        yield from nodes(node, f"/$defs/{name}")


def swift_reachable() -> set[str]:
    """Definitions a Swift type decodes: those marked x-swift and those they refer to."""
    found: set[str] = set()
    todo = [name for name, d in DEFS.items() if "x-swift" in d]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for _, node in nodes(DEFS[name], f"/$defs/{name}"):
            if "$ref" in node:
                todo.append(node["$ref"].removeprefix("#/$defs/"))
    return found


def renamed(example: Json, key: str) -> Json:
    doc = copy.deepcopy(example)
    doc[key + "_renamed"] = doc.pop(key)
    return doc


class SchemaTests(unittest.TestCase):
    def test_uses_only_what_the_validator_implements(self) -> None:
        known = protocol.SUPPORTED | protocol.ANNOTATIONS
        for ptr, node in all_nodes():
            with self.subTest(ptr):
                self.assertLessEqual(set(node) - known, set())
        self.assertLessEqual(set(SCHEMA) - known, set())

    def test_every_object_says_whether_other_keys_are_allowed(self) -> None:
        for ptr, node in all_nodes():
            if node.get("type") == "object":
                with self.subTest(ptr):
                    self.assertIn("additionalProperties", node)

    def test_every_definition_has_examples_and_they_match(self) -> None:
        for name, d in DEFS.items():
            with self.subTest(name):
                self.assertTrue(d.get("examples"), "no examples")
                for example in d["examples"]:
                    self.assertEqual(protocol.validate(name, example), [])

    def test_examples_show_every_property_swift_decodes(self) -> None:
        """Swift round-trips the examples, so each property must occur in them, not null."""
        seen: protocol.Coverage = {}
        for name in swift_reachable():
            for example in DEFS[name]["examples"]:
                protocol.validate(name, example, seen)
        for name in swift_reachable():
            for ptr, node in nodes(DEFS[name], f"/$defs/{name}"):
                with self.subTest(ptr):
                    self.assertLessEqual(set(node.get("properties", {})), seen.get(ptr, set()))

    def test_a_renamed_or_missing_key_fails(self) -> None:
        for name in swift_reachable():
            for example in DEFS[name]["examples"]:
                if not isinstance(example, dict):
                    continue
                for key in example:
                    with self.subTest(f"{name}.{key}"):
                        self.assertNotEqual(protocol.validate(name, renamed(example, key)), [])
        self.assertNotEqual(protocol.validate("b", {"b": "gone"}), [])
        self.assertNotEqual(
            protocol.validate("sql", {"columns": [], "rows": [], "rowcount": 1.5}), []
        )
        self.assertNotEqual(protocol.validate("nonsense", {}), [])


def emit_calls() -> Iterator[tuple[str, str, ast.Call]]:
    """(file, kind, call) for every emit(KIND, …) and check(KIND, …) in the package."""
    for path in sorted(glob.glob(os.path.join(PACKAGE_DIR, "*.py"))):
        if os.path.basename(path) == "protocol.py":
            continue  # defines them
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if name in ("emit", "check") and call.args:
                kind = call.args[0]
                yield path, str(kind.value if isinstance(kind, ast.Constant) else kind), call


class CodeTests(unittest.TestCase):
    def test_every_document_the_code_emits_has_a_definition(self) -> None:
        kinds = {kind for _, kind, _ in emit_calls()}
        self.assertGreaterEqual(len(kinds), 10)
        self.assertLessEqual(kinds, set(DEFS))

    def test_documents_written_out_in_the_code_have_the_defined_keys(self) -> None:
        """emit("traffic", {"sent": …, …}): a key renamed in the code fails here already."""
        for path, kind, call in emit_calls():
            doc = call.args[1] if len(call.args) > 1 else None
            if not isinstance(doc, ast.Dict) or kind not in DEFS:
                continue
            keys = {k.value for k in doc.keys if isinstance(k, ast.Constant)}
            with self.subTest(f"{os.path.basename(path)}:{call.lineno} {kind}"):
                if DEFS[kind].get("additionalProperties") is False:
                    self.assertLessEqual(keys, set(DEFS[kind]["properties"]))
                if None not in doc.keys:  # no **spread
                    self.assertLessEqual(set(DEFS[kind].get("required", [])), keys)


@unittest.skipUnless(importlib.util.find_spec("jsonschema"), "needs jsonschema (the lab venv)")
class JsonSchemaAgreesTests(unittest.TestCase):
    """The real JSON Schema 2020-12 validator and protocol's subset agree."""

    def validator(self, name: str) -> Any:
        import jsonschema

        return jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{name}"})

    def test_the_schema_is_valid_json_schema(self) -> None:
        import jsonschema

        jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def test_same_verdicts_on_examples_and_their_mutations(self) -> None:
        for name, d in DEFS.items():
            validator = self.validator(name)
            for example in d["examples"]:
                docs = [example]
                if isinstance(example, dict):
                    docs += [renamed(example, k) for k in example]
                    docs += [{k: v for k, v in example.items() if k != key} for key in example]
                for doc in docs:
                    with self.subTest(name=name, doc=str(doc)[:120]):
                        ours = protocol.validate(name, doc) == []
                        self.assertEqual(ours, validator.is_valid(doc))


if __name__ == "__main__":
    unittest.main()

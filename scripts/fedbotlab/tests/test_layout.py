"""The package stays small: modules under ~300 lines, functions under ~60 (the issue's limits)."""

from __future__ import annotations

import ast
import glob
import os
import unittest

from fedbotlab.common import PACKAGE_DIR

MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def sources() -> list[str]:
    return sorted(glob.glob(os.path.join(PACKAGE_DIR, "*.py")))


class LayoutTests(unittest.TestCase):
    def test_modules_are_small(self) -> None:
        for path in sources():
            with open(path, encoding="utf-8") as f, self.subTest(os.path.basename(path)):
                self.assertLessEqual(len(f.read().splitlines()), MAX_MODULE_LINES)

    def test_functions_are_short(self) -> None:
        for path in sources():
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    with self.subTest(f"{os.path.basename(path)}:{node.name}"):
                        self.assertLessEqual(length, MAX_FUNCTION_LINES)


if __name__ == "__main__":
    unittest.main()

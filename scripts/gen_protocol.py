#!/usr/bin/env python3
"""Write js/protocol.js from rucio_widgets/protocol.py, the one source of the protocol.

    python scripts/gen_protocol.py           # rewrite js/protocol.js
    python scripts/gen_protocol.py --check   # exit 1 when js/protocol.js is stale

It reads protocol.py as source (``ast``), not by importing it, so that comments travel
with the names they explain:

- ``NAME = literal`` (str, int, tuple of literals) becomes ``export const NAME = ...``;
- ``Name = Literal[...]`` becomes a ``@typedef`` of the union;
- a ``TypedDict`` class becomes a ``@typedef {object}`` whose ``@property`` lines carry the
  field comments; ``NotRequired[...]`` and ``total=False`` fields are optional, and a
  TypedDict base's fields are copied in;
- a dict of kind -> TypedDict (``REQUESTS``, ``REPLIES``) becomes a typedef map
  ``{kind: Type}``, which types the view's ``invoke(kind, payload)``.

``#:`` comments above a name, a class docstring's first paragraph, and trailing ``#``
comments become JSDoc text. Names starting with ``_`` are left out.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "rucio_widgets" / "protocol.py"
TARGET = ROOT / "js" / "protocol.js"

HEADER = """\
// GENERATED from rucio_widgets/protocol.py by scripts/gen_protocol.py: do not edit.
// Change protocol.py and run `python scripts/gen_protocol.py`; a test fails when this
// file is stale.
"""

SCALARS = {
    "str": "string",
    "int": "number",
    "float": "number",
    "bool": "boolean",
    "None": "null",
    "object": "unknown",
    "Any": "any",
}


class Generator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        self.trailing = self._trailing_comments(source)
        self.classes: dict[str, ast.ClassDef] = {
            node.name: node for node in self.tree.body if isinstance(node, ast.ClassDef)
        }

    # --- comments ---------------------------------------------------------------------------
    @staticmethod
    def _trailing_comments(source: str) -> dict[int, str]:
        """line number -> text of a comment that follows code on that line."""
        found: dict[int, str] = {}
        code_lines: set[int] = set()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                if tok.start[0] in code_lines:
                    found[tok.start[0]] = tok.string.lstrip("#").strip()
            elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                code_lines.add(tok.start[0])
        return found

    def _doc_comment(self, node: ast.stmt) -> str:
        """The ``#:`` lines right above ``node``, joined."""
        texts: list[str] = []
        line = node.lineno - 2
        while line >= 0 and self.lines[line].lstrip().startswith("#:"):
            texts.insert(0, self.lines[line].lstrip()[2:].strip())
            line -= 1
        return " ".join(texts)

    # --- types -----------------------------------------------------------------------------
    def js_type(self, node: ast.expr) -> tuple[str, bool]:
        """(JSDoc type, optional) of an annotation."""
        if isinstance(node, ast.Subscript) and self._name(node.value) == "NotRequired":
            return self.js_type(node.slice)[0], True
        return self._type(node), False

    def _type(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return "null"
            if isinstance(node.value, str):  # a forward reference
                return self._type(ast.parse(node.value, mode="eval").body)
        if isinstance(node, ast.Name):
            return SCALARS.get(node.id, node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return f"{self._type(node.left)} | {self._type(node.right)}"
        if isinstance(node, ast.Subscript):
            outer = self._name(node.value)
            args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if outer == "Literal":
                return " | ".join(_js_literal(a) for a in args)
            if outer in ("list", "Sequence", "tuple"):
                inner = self._type(args[0])
                return f"{inner}[]" if " " not in inner else f"Array<{inner}>"
            if outer in ("dict", "Mapping"):
                return f"Record<{self._type(args[0])}, {self._type(args[1])}>"
        raise ValueError(f"protocol.py line {node.lineno}: no JS type for {ast.unparse(node)}")

    @staticmethod
    def _name(node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        return ""

    # --- pieces ----------------------------------------------------------------------------
    def typeddict_fields(self, cls: ast.ClassDef) -> list[tuple[str, str, bool, str]]:
        """(name, type, optional, comment) of a TypedDict, bases first."""
        out: list[tuple[str, str, bool, str]] = []
        for base in cls.bases:
            name = self._name(base)
            if name in self.classes:
                out.extend(self.typeddict_fields(self.classes[name]))
        total = next((kw.value.value for kw in cls.keywords if kw.arg == "total"), True)  # type: ignore[attr-defined]
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                js, optional = self.js_type(stmt.annotation)
                comment = self.trailing.get(stmt.lineno, "")
                out.append((stmt.target.id, js, optional or not total, comment))
        return out

    def is_typeddict(self, cls: ast.ClassDef) -> bool:
        for base in cls.bases:
            name = self._name(base)
            if name == "TypedDict" or (
                name in self.classes and self.is_typeddict(self.classes[name])
            ):
                return True
        return False

    def render(self) -> str:
        out = [HEADER]
        for node in self.tree.body:
            piece = self._render_node(node)
            if piece:
                out.append(piece)
        # reStructuredText's ``code`` reads as `code` in JavaScript comments.
        return "\n".join(out).replace("``", "`").rstrip() + "\n"

    def _render_node(self, node: ast.stmt) -> str:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return ""  # the module docstring
        if isinstance(node, ast.ClassDef) and self.is_typeddict(node):
            return self._render_typeddict(node)
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                return self._render_assign(node, target.id, node.value)
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
            and not node.target.id.startswith("_")
        ):
            return self._render_assign(node, node.target.id, node.value, node.annotation)
        return ""

    def _render_assign(
        self, node: ast.stmt, name: str, value: ast.expr, annotation: ast.expr | None = None
    ) -> str:
        doc = self._doc_comment(node)
        trailing = self.trailing.get(node.lineno, "")
        comment = f"/** {doc} */\n" if doc else ""
        element = self._tuple_element(annotation)
        if element and isinstance(value, ast.Tuple):
            # tuple[X, ...]: a frozen array typed as X, e.g. readonly DidType[]
            comment = f"/**{' ' + doc if doc else ''} @type {{readonly {element}[]}} */\n"
        if isinstance(value, ast.Constant) and isinstance(value.value, (str, int, float)):
            tail = f" // {trailing}" if trailing else ""
            return f"{comment}export const {name} = {_js_literal(value)};{tail}\n"
        if isinstance(value, ast.Tuple):
            items = [self._js_value(e) for e in value.elts]
            one_line = f"export const {name} = Object.freeze([{', '.join(items)}]);"
            if len(one_line) > 100:
                body = "".join(f"  {item},\n" for item in items)
                one_line = f"export const {name} = Object.freeze([\n{body}]);"
            return f"{comment}{one_line}\n"
        if isinstance(value, ast.Subscript) and self._name(value.value) == "Literal":
            return f"/** @typedef {{{self._type(value)}}} {name} */\n"
        if isinstance(value, ast.Dict):
            entries = ", ".join(
                f"{self._js_key(k)}: {self._name(v)}"
                for k, v in zip(value.keys, value.values, strict=True)
                if k is not None
            )
            text = doc or name
            alias = name.title()  # REQUESTS -> Requests: a type, not a value
            return f"/**\n * {text}\n * @typedef {{{{{entries}}}}} {alias}\n */\n"
        return ""

    def _tuple_element(self, annotation: ast.expr | None) -> str:
        """X of a ``tuple[X, ...]`` annotation, as a JS type; "" otherwise."""
        if not (isinstance(annotation, ast.Subscript) and self._name(annotation.value) == "tuple"):
            return ""
        args = annotation.slice
        if isinstance(args, ast.Tuple) and len(args.elts) == 2:
            return self._type(args.elts[0])
        return ""

    def _js_value(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return node.id  # a constant defined above
        return _js_literal(node)

    def _js_key(self, node: ast.expr) -> str:
        """The JS property name of a dict key (a MSG_ constant, resolved to its value)."""
        if isinstance(node, ast.Name):
            for stmt in self.tree.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == node.id
                    and isinstance(stmt.value, ast.Constant)
                ):
                    return str(stmt.value.value)
        if isinstance(node, ast.Constant):
            return str(node.value)
        raise ValueError(f"protocol.py line {node.lineno}: dict keys must be constants")

    def _render_typeddict(self, cls: ast.ClassDef) -> str:
        docstring = ast.get_docstring(cls) or ""
        summary = " ".join(docstring.split("\n\n")[0].split())
        lines = ["/**"]
        if summary:
            lines.append(f" * {summary}")
        lines.append(f" * @typedef {{object}} {cls.name}")
        for name, js, optional, comment in self.typeddict_fields(cls):
            prop = f"[{name}]" if optional else name
            lines.append(f" * @property {{{js}}} {prop}" + (f" {comment}" if comment else ""))
        lines.append(" */")
        return "\n".join(lines) + "\n"


def _js_literal(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        if node.value is None:
            return "null"
        return repr(node.value)
    raise ValueError(f"protocol.py line {node.lineno}: not a literal: {ast.unparse(node)}")


def generate() -> str:
    return Generator(SOURCE.read_text()).render()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when js/protocol.js is stale")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(
                f"{TARGET.relative_to(ROOT)} is stale: run `python scripts/gen_protocol.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

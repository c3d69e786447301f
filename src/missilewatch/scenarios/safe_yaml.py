"""YAML read with limits, so that a small hostile file (an alias "billion laughs" bomb, a huge
document) is refused at once instead of exhausting memory or time.

The document is composed (nodes, aliases shared, not expanded), its size *as expanded* is
counted with a memo per node, and only then is it constructed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from missilewatch.errors import InputError

#: Largest scenario file read (bytes).
MAX_YAML_BYTES = 2_000_000
#: Most nodes the document may hold once every alias is expanded.
MAX_EXPANDED_NODES = 200_000
#: Most alias uses in one document.
MAX_ALIASES = 1_000


def read_limited(path: Path | str, what: str = "file", limit: int = MAX_YAML_BYTES) -> str:
    """The UTF-8 text of a file of at most ``limit`` bytes; InputError otherwise."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(what, str(p), f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise InputError(what, str(p), f"is larger than the {limit:,} bytes allowed")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(what, str(p), f"is not UTF-8 text (byte {exc.start})") from None


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Number of nodes of the document with aliases expanded (stops counting past ``limit``)."""
    memo: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in memo:
            continue
        if isinstance(node, yaml.ScalarNode):
            memo[id(node)] = 1
            continue
        children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value))
        if done:
            memo[id(node)] = min(limit + 1, 1 + sum(memo[id(c)] for c in children))
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in memo)
    return memo[id(root)]


class _CountingLoader(yaml.SafeLoader):
    aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise InputError("YAML", f"{self.aliases} aliases", f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def safe_load_limited(text: str, where: str = "YAML") -> object:
    """``yaml.safe_load`` with size and alias-expansion limits (InputError past them)."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(where, f"{len(text):,} characters", f"larger than the {MAX_YAML_BYTES:,} allowed")
    loader = _CountingLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        size = _expanded_size(root, MAX_EXPANDED_NODES)
        if size > MAX_EXPANDED_NODES:
            raise InputError(where, f"more than {MAX_EXPANDED_NODES:,} nodes once aliases are expanded",
                             "is refused (alias bomb?)")
        return loader.construct_document(root)
    finally:
        loader.dispose()

"""``{% extends %}`` that finds the root template's blocks once, not on every render.

Django's ``ExtendsNode.render`` walks the whole node tree of the root template (``base.html``:
the page frame with its menu, tabs and switcher) on every page to collect its ``{% block %}``
nodes, which cost about 0.3 ms a page. The tree of a compiled template does not change, so the
blocks are collected once per compiled template and kept on it; everything else is Django's:
the tag parses as Django's does and the node is Django's ``ExtendsNode`` with this one step
changed. Registered as a builtin after Django's own (settings.base.TEMPLATES), so it is the
``extends`` every template uses; ``tests/test_extends.py`` compares the two.
"""

from __future__ import annotations

from django import template
from django.template.base import TextNode
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
    do_extends,
)

register = template.Library()


def _root_blocks(compiled_parent) -> dict[str, BlockNode] | None:
    """The blocks of ``compiled_parent`` if it is the root (extends nothing), else None."""
    try:
        return compiled_parent._root_blocks
    except AttributeError:
        pass
    blocks = None
    for node in compiled_parent.nodelist:
        # The ExtendsNode has to be the first non-text node.
        if not isinstance(node, TextNode):
            if not isinstance(node, ExtendsNode):
                blocks = {n.name: n for n in compiled_parent.nodelist.get_nodes_by_type(BlockNode)}
            break
    compiled_parent._root_blocks = blocks
    return blocks


class RootBlocksOnceExtendsNode(ExtendsNode):
    def render(self, context):
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = _root_blocks(compiled_parent)
        if blocks is not None:
            block_context.add_blocks(blocks)
        # As Django's: Template._render explicitly, so the parser context stays the same.
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


@register.tag("extends")
def extends(parser, token):
    node = do_extends(parser, token)
    return RootBlocksOnceExtendsNode(node.nodelist, node.parent_name, node.template_dirs)

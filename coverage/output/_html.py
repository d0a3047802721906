"""Putting markup, data and page code into a folium page without ever making data into template source.

folium and branca render every element's *template* with Jinja2 when a map is
saved. Text placed in a template string is template source: ``{{7*7}}``
becomes ``49`` and ``{{ lipsum.__globals__... }}`` runs Python. Text placed in
a template *variable* is only substituted, never evaluated. So:

* :func:`add_html` adds markup (static containers and styles) as a variable of
  a fixed template;
* :func:`add_data` adds data as JSON in ``<script type="application/json">``
  (escaped for HTML: no ``</script>``), again as a variable;
* :func:`add_script` adds page code (package data, never built from data) as a
  variable inside folium's script block.

:func:`esc` makes any value safe where folium itself puts text into markup
or a JavaScript template literal (popups and tooltips are built as
`` `...` `` strings): HTML special characters, backticks, ``$``, backslashes
and braces become character references, which the browser shows as the
characters they stand for.
"""

from __future__ import annotations

import html
import math

#: Characters that mean something to HTML, to a JavaScript template literal or to a template engine.
_ENTITIES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
_TABLE = str.maketrans(_ENTITIES)


def esc(value) -> str:
    """Any value as text that is safe inside HTML markup and inside a JavaScript template literal.

    ``None`` and NaN become ``""``. The browser shows the escaped text exactly
    as the original: ``{{7*7}}`` stays ``{{7*7}}`` and ``${x}`` stays ``${x}``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_TABLE)


def json_for_html(obj) -> str:
    """JSON safe inside a ``<script>`` element:
    no ``</script>``, no HTML, no line separators that end a string."""
    import json

    return (
        json.dumps(obj, ensure_ascii=False, allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _raw_element(text: str):
    from branca.element import Element

    el = Element("{{ this.text }}")  # the template is fixed; the text is a value, never template source
    el.text = text
    return el


def add_html(m, markup: str) -> None:
    """Add markup (built only from escaped text) to the page body of folium map ``m``."""
    m.get_root().html.add_child(_raw_element(markup))


def add_data(m, element_id: str, obj) -> None:
    """Add ``obj`` as JSON in ``<script type="application/json" id=element_id>`` to the page of map ``m``."""
    add_html(m, f'<script type="application/json" id="{esc(element_id)}">{json_for_html(obj)}</script>')


def add_script(m, code: str) -> None:
    """Add page code to map ``m``'s script, after its own layers (so the map and its layers exist)."""
    from branca.element import MacroElement, Template

    el = MacroElement()
    el._template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")
    el.code = code
    m.add_child(el)

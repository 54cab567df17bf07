"""A parser for QBO's query language.

SELECT * | COUNT(*) | field, ... FROM Entity
  [WHERE prop op value [AND ...]] [ORDERBY prop [ASC|DESC], ...]
  [STARTPOSITION n] [MAXRESULTS n]

Operators: = < > <= >= IN LIKE (no OR, no !=). Keywords and names are case-insensitive.
Errors read like QBO's JavaCC parser: 'QueryParserError: Encountered " <ID> "foo "" at ...'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from qbo_sandbox.books import errors

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
OPERATORS = ("=", "<", ">", "<=", ">=")
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op><=|>=|!=|<>|[=<>(),*])
    """,
    re.VERBOSE,
)
_ESCAPES = {"'": "'", "\\": "\\", '"': '"'}


@dataclass(frozen=True)
class Token:
    kind: str  # string | number | ident | op | eof
    text: str
    column: int

    def describe(self) -> str:
        if self.kind == "eof":
            return '"<EOF>"'
        kind = {"string": "<STRING>", "number": "<INTEGER>", "ident": "<ID>"}.get(self.kind)
        if kind is None:
            return f'" "{self.text}" "{self.text} ""'
        if "." in self.text and self.kind == "number":
            kind = "<DECIMAL>"
        return f'" {kind} "{self.text} ""'


@dataclass
class Condition:
    field: str
    op: str  # = < > <= >= in like
    values: list = field(default_factory=list)


@dataclass
class Query:
    entity: str
    count: bool = False
    fields: list[str] | None = None  # None means *
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_RESULTS


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            bad = Token("op", text[position], position + 1)
            raise errors.query_parse_error(
                f"Encountered {bad.describe()} at line 1, column {bad.column}."
            )
        if match.lastgroup != "ws":
            tokens.append(Token(match.lastgroup, match.group(), position + 1))
        position = match.end()
    tokens.append(Token("eof", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def fail(self) -> errors.QBOError:
        token = self.token
        return errors.query_parse_error(
            f"Encountered {token.describe()} at line 1, column {token.column}."
        )

    def keyword(self, *words: str) -> bool:
        if self.token.kind == "ident" and self.token.text.upper() in words:
            self.index += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail()

    def symbol(self, text: str) -> bool:
        if self.token.kind == "op" and self.token.text == text:
            self.index += 1
            return True
        return False

    def expect_symbol(self, text: str) -> None:
        if not self.symbol(text):
            raise self.fail()

    def ident(self) -> str:
        if self.token.kind != "ident":
            raise self.fail()
        self.index += 1
        return self.tokens[self.index - 1].text

    def integer(self) -> int:
        if self.token.kind != "number" or "." in self.token.text:
            raise self.fail()
        self.index += 1
        return int(self.tokens[self.index - 1].text)

    def value(self) -> str | Decimal | bool:
        token = self.token
        if token.kind == "string":
            self.index += 1
            return _unquote(token)
        if token.kind == "number":
            self.index += 1
            return Decimal(token.text)
        if token.kind == "ident" and token.text.lower() in ("true", "false"):
            self.index += 1
            return token.text.lower() == "true"
        raise self.fail()

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        count, fields = self.select_list()
        self.expect_keyword("FROM")
        query = Query(entity=self.ident(), count=count, fields=fields)
        if self.keyword("WHERE"):
            query.where.append(self.condition())
            while self.keyword("AND"):
                query.where.append(self.condition())
        if self.keyword("ORDERBY") or (self.keyword("ORDER") and self.keyword("BY")):
            query.order.append(self.order_item())
            while self.symbol(","):
                query.order.append(self.order_item())
        self.paging(query)
        if self.token.kind != "eof":
            raise self.fail()
        return query

    def select_list(self) -> tuple[bool, list[str] | None]:
        if self.keyword("COUNT"):
            self.expect_symbol("(")
            self.expect_symbol("*")
            self.expect_symbol(")")
            return True, None
        if self.symbol("*"):
            while self.symbol(","):
                self.ident()  # "SELECT *, Sku": everything is returned anyway
            return False, None
        fields = [self.ident()]
        while self.symbol(","):
            fields.append(self.ident())
        return False, fields

    def condition(self) -> Condition:
        name = self.ident()
        if self.keyword("IN"):
            self.expect_symbol("(")
            values = [self.value()]
            while self.symbol(","):
                values.append(self.value())
            self.expect_symbol(")")
            return Condition(name, "in", values)
        if self.keyword("LIKE"):
            if self.token.kind != "string":
                raise self.fail()
            return Condition(name, "like", [self.value()])
        if self.token.kind == "op" and self.token.text in OPERATORS:
            op = self.token.text
            self.index += 1
            return Condition(name, op, [self.value()])
        raise self.fail()

    def order_item(self) -> tuple[str, bool]:
        name = self.ident()
        if self.keyword("DESC"):
            return name, True
        self.keyword("ASC")
        return name, False

    def paging(self, query: Query) -> None:
        seen: set[str] = set()
        while self.token.kind == "ident" and self.token.text.upper() in (
            "STARTPOSITION",
            "MAXRESULTS",
        ):
            word = self.token.text.upper()
            if word in seen:
                raise self.fail()
            seen.add(word)
            self.index += 1
            number = self.integer()
            if number < 1:
                raise errors.query_invalid(f"value {number} is too small. Min allowed value is 1")
            if word == "STARTPOSITION":
                query.start = number
            else:
                # QBO caps a page at 1000 rows rather than failing (unverified; see README).
                query.max_results = min(number, MAX_RESULTS)


def _unquote(token: Token) -> str:
    body, out, index = token.text[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1]
            if escaped not in _ESCAPES:
                column = token.column + index + 1
                raise errors.query_parse_error(
                    f'Lexical error at line 1, column {column}.  Encountered: "{escaped}"'
                )
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise errors.query_parse_error('Encountered "<EOF>" at line 1, column 1.')
    return _Parser(text.strip()).parse()

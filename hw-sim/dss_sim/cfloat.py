"""C `strtod` (base.cpp `strToDouble`: the whole string must be consumed) and the dSS's
double-to-int conversion, as pure functions."""

from __future__ import annotations

import math
import re

_DEC = re.compile(r"[ \t\n\v\f\r]*([+-]?)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_HEX = re.compile(r"[ \t\n\v\f\r]*([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                  r"(?:[pP][+-]?\d+)?)")
_SPECIAL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(inf|infinity|nan|nan\([0-9A-Za-z_]*\))",
                      re.IGNORECASE)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def parse_c_double(text: str) -> float | None:
    """The value strtod reads when it consumes all of `text`, else None."""
    if m := _DEC.fullmatch(text):
        value = float(m.group(2))
    elif m := _HEX.fullmatch(text):
        digits = m.group(2)
        if "p" not in digits.lower():
            digits += "p0"
        value = float.fromhex("0x" + digits)
    elif m := _SPECIAL.fullmatch(text):
        value = math.nan if m.group(2).lower().startswith("nan") else math.inf
    else:
        return None
    return -value if m.group(1) == "-" else value


def double_to_int(value: float) -> int:
    """`int x = double` as an ARM build does it: truncated, saturated, NaN as 0."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return INT_MAX if value > 0 else INT_MIN
    return max(INT_MIN, min(INT_MAX, int(value)))

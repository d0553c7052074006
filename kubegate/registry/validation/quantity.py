"""resource.Quantity values for comparisons, and their canonical text for messages.

Resource validation compares requests with limits and prints quantities the way
`Quantity.String()` does: the canonical form of the value in the format it was written in
(`0.5` is `500m`, `1.5Gi` is `1536Mi`, `2000` is `2k`). Decoding has already refused texts
that are not quantities, so parsing here only has to compute.
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_NAMES = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_NAMES = sorted(((power, suffix) for suffix, power in _BINARY.items()), reverse=True)

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"


def parse(value: object) -> tuple[Decimal, str] | None:
    """(value, format) of a quantity given as a string or a JSON number; None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return _parse(value)


@functools.lru_cache(maxsize=1024)
def _parse(value: str | float) -> tuple[Decimal, str] | None:
    if isinstance(value, (int, float)):
        value = repr(value) if isinstance(value, float) else str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    end = len(text)
    while end > 0 and not (text[end - 1].isdigit() or text[end - 1] == "."):
        end -= 1
    number, suffix = text[:end], text[end:]
    exponent_at = next((i for i, c in enumerate(text) if c in "eE"), -1)
    try:
        if exponent_at > 0 and not suffix:
            return Decimal(text), DECIMAL_EXPONENT
        amount = Decimal(number or "0")
    except InvalidOperation:
        return None
    if suffix in _BINARY:
        return amount * (2 ** _BINARY[suffix]), BINARY_SI
    if suffix in _DECIMAL:
        return amount.scaleb(_DECIMAL[suffix]), DECIMAL_SI
    return None


def canonical(value: object) -> str:
    """Quantity.String() of a quantity; the text itself if it cannot be parsed."""
    parsed = parse(value)
    if parsed is None:
        return str(value)
    amount, fmt = parsed
    if fmt == BINARY_SI and (abs(amount) < 1024 or amount != amount.to_integral_value()):
        fmt = DECIMAL_SI  # small or fractional binary amounts print in decimal
    if amount == 0:
        return "0"
    if fmt == BINARY_SI:
        whole = int(amount)
        for power, suffix in _BINARY_NAMES:
            if whole % (2**power) == 0:
                return f"{whole // 2 ** power}{suffix}"
        return str(whole)
    # Round up to nano units, then pick the largest exponent (a multiple of 3) that keeps an
    # integer mantissa.
    nanos = (amount.scaleb(9)).to_integral_value(rounding="ROUND_CEILING")
    exponent = -9
    while exponent < 18 and nanos % 1000 == 0:
        nanos //= 1000
        exponent += 3
    mantissa = int(nanos)
    if fmt == DECIMAL_EXPONENT:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_NAMES[exponent]}"

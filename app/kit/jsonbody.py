"""Request bodies read as JSON outside a pydantic model (the autosave and the text saves).

`json.loads` accepts an escaped lone surrogate ("\\ud800"): the result is a `str` no encoder can
write, so the save reached the driver and answered 500 (UnicodeEncodeError). Pydantic-parsed
bodies already refuse it; these bodies are parsed here, with the same rule.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.errors import Invalid

# After a strict UTF-8 decode (json.loads(bytes) would decode with surrogatepass and let the raw
# bytes of a lone half, ED A0 80, through), only a \\uD800–\\uDFFF escape can leave a surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def loads(body: bytes) -> Any:
    """The body's JSON value; 422 when it is not JSON or holds a surrogate not paired as one character."""
    try:
        # strict UTF-8 (a BOM allowed); a UnicodeDecodeError is a ValueError
        data = json.loads(body.decode("utf-8-sig"))
    except ValueError as err:
        raise Invalid("The body is not valid JSON.") from err
    if _SURROGATE_ESCAPE.search(body) is not None:  # a pair decodes to one character; a lone half stays
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(
                "The text contains an unpaired surrogate code (\\ud800–\\udfff), which is not a character."
            ) from None
    return data

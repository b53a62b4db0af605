"""Which collected real articles are sealed: a quarter, by a hash of the address alone.

The split is a function of the address, fixed before any article was collected, so nobody's reading
of a text can move it between the training part and the sealed part. Rules, lexicons and models
change only from what the training part shows; the sealed part is scored as a whole ("unseen") and
never read instance by instance by whoever writes rules. The address is normalised as
`shared/gold/reserved.py` normalises it, so that `http://www.x.vn/a/` and `https://x.vn/a` are
one article; the salt keeps this quarter independent of the quarter that file reserves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

SALT = "solieu-sealed-2026|"
SEALED_DIGITS = "0123"  # first hex digit of the salted hash: a quarter of all addresses
TRACKING = ("utm_", "fbclid", "gclid")


def normalised_address(url: str) -> str:
    """The address without scheme, host prefixes, fragment, tracking parameters and trailing slash."""
    u = unicodedata.normalize("NFC", url.strip().lower())
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"#.*$", "", u)
    u, _, query = u.partition("?")
    params = sorted(p for p in query.split("&") if p and not p.startswith(TRACKING))
    u = u + ("?" + "&".join(params) if params else "")
    u = re.sub(r"^(www\.|m\.|amp\.|mobile\.)+", "", u)
    return re.sub(r"(\.amp|/amp)$", "", u.rstrip("/"))


def is_sealed(url: str) -> bool:
    """True for the quarter of addresses whose articles are kept for the unseen score."""
    digest = hashlib.sha1((SALT + normalised_address(url)).encode("utf-8")).hexdigest()
    return digest[0] in SEALED_DIGITS


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        print(("sealed" if is_sealed(arg) else "train") + "\t" + arg)

"""The README's signature verification snippet accepts what qbsync signs, and nothing else."""

import re
import time
from pathlib import Path

from events import signing

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_verify():
    section = README.read_text().split("### Webhooks out", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_snippet_verifies_our_signatures():
    verify = _readme_verify()
    body, now = b'{"id":"evt_1","type":"order.synced"}', int(time.time())
    header = signing.headers("whsec_abc", now, body, "evt_1")[signing.SIGNATURE_HEADER]
    assert verify("whsec_abc", header, body)
    assert not verify("whsec_abc", header, body.replace(b"synced", b"failed"))
    assert not verify("whsec_other", header, body)
    old = signing.headers("whsec_abc", now - 600, body, "evt_1")[signing.SIGNATURE_HEADER]
    assert not verify("whsec_abc", old, body)
    assert not verify("whsec_abc", "", body)

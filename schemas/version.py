"""Version of the published event contract as a whole (the AsyncAPI ``info.version``).

Bump the minor version when events, fields or topics are added, the major version when a topic's
key rule or layout changes, and the patch version for documentation-only changes. Individual
payloads are versioned separately by their ``class_version``.
"""

from __future__ import annotations

CONTRACT_VERSION = "1.7.0"

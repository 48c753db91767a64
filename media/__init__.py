"""Media: type sniffing, sanitisers and storage for what reporters send.

`sanitize_file` turns an uploaded file into a verified metadata-free copy or refuses it
(`MediaRefused`, HTTP 415); `core.storage` keeps the clean copies. See `media.service`.
"""

from media.errors import MediaRefused
from media.fingerprint import perceptual_hash
from media.result import SanitizedFile
from media.service import sanitize_file

__all__ = ["MediaRefused", "SanitizedFile", "perceptual_hash", "sanitize_file"]

"""Which place keeps this deployment's unfinished uploads (`intake.uploads.partials`)."""

from __future__ import annotations

from core.hashing import KeyedHasher
from core.s3_pieces import S3Pieces
from core.settings import Settings
from intake.uploads.area import UploadArea
from intake.uploads.local import LocalPartials
from intake.uploads.partials import PartialStore
from intake.uploads.pieces import SealedPieces
from intake.uploads.shared import SharedPartials


def build_partials(settings: Settings, hasher: KeyedHasher) -> PartialStore:
    """The bucket with `settings.uploads_in_bucket`, else this host's upload folder. Both
    need the folder: the bucket mode for sanitising's scratch space."""
    area = UploadArea.from_settings(settings)
    if settings.uploads_in_bucket:
        return SharedPartials(SealedPieces(S3Pieces.from_settings(settings), hasher), area)
    return LocalPartials(area)

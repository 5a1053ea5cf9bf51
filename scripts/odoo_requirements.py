"""Print the pip requirements of an Odoo 18.0 source tarball for the Python that runs this script.

Usage: python odoo_requirements.py ODOO_SRC   (a .tar.gz/.tar.xz source tarball, or an unpacked source folder)

Odoo's requirements.txt pins each package per Python version, the pins of Debian 12 / Ubuntu 22.04 for
Python 3.10-3.11. Several of those (cbor2 5.4.2, psycopg2, python-ldap, gevent) have no wheel for 3.11
and build from source with C headers a fresh machine lacks, so on Python < 3.12 the pins of Odoo's
"python_version >= '3.12'" column (Ubuntu 24.04) are taken: they all ship wheels for 3.11 as well.
psycopg2 becomes psycopg2-binary (same module, bundled libpq); python-ldap (LDAP login) and
gevent/greenlet (the long-polling worker of multi-process mode) are left out: neither the tests nor
`odoo` serving in threaded mode import them.
"""

import io
import pathlib
import sys
import tarfile

from pip._vendor.packaging.requirements import Requirement

SKIP = {"python-ldap", "gevent", "greenlet", "pypiwin32", "rl-renderpm"}
RENAME = {"psycopg2": "psycopg2-binary"}


def read_requirements(src):
    path = pathlib.Path(src)
    if path.is_dir():
        return (path / "requirements.txt").read_text()
    with tarfile.open(path) as tar:
        for member in tar:
            parts = member.name.split("/")
            if len(parts) == 2 and parts[1] == "requirements.txt":
                return io.TextIOWrapper(tar.extractfile(member), encoding="utf-8").read()
    raise SystemExit(f"{src}: no requirements.txt at the top of this archive (not an Odoo source tarball?)")


def main(src):
    env = None
    if sys.version_info < (3, 12):
        env = {"python_version": "3.12", "python_full_version": "3.12.0"}
    for line in read_requirements(src).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker and not req.marker.evaluate(env):
            continue
        name = req.name.lower()
        if name in SKIP:
            continue
        print(f"{RENAME.get(name, req.name)}{req.specifier}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])

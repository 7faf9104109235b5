#!/usr/bin/env python3
"""Write deploy/nginx.conf for a list of ``qldrops serve`` replicas (standard library only).

    python3 deploy/render_nginx.py --listen 80 --prefix /var/lib/qldrops-proxy \\
        --replica 10.0.0.11:8866 --replica 10.0.0.12:8866 > /etc/qldrops/nginx.conf
    nginx -t -c /etc/qldrops/nginx.conf

Only the listen address, the replicas and the paths are filled in; the rest is deploy/nginx.conf
as it stands. ``--prefix`` is where nginx keeps its pid, logs and buffers (created if missing).
The tests (tests/replicas.py) and the benchmark (benchmarks/bench_replicas.py) use the same
function, :func:`render`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf"
STATIC = HERE / "static"
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")


def _check_replica(address: str) -> str:
    m = _HOST_PORT.match(address)
    if not m or not 0 < int(m.group(2)) < 65536:
        raise ValueError(f"replica {address!r} is not host:port (for example 10.0.0.11:8866)")
    return address


def _check_listen(listen: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z.:\[\]]+( ssl| http2| default_server)*", listen):
        raise ValueError(f"listen {listen!r} is not an nginx listen address (for example 80 or 127.0.0.1:8080)")
    return listen


def render(
    replicas: list[str],
    *,
    listen: str = "80",
    prefix: str | os.PathLike[str] = "/var/lib/qldrops-proxy",
    static: str | os.PathLike[str] = STATIC,
    user: str = "",
    secure_cookie: bool = False,
    template: Path = TEMPLATE,
) -> str:
    """The configuration text; ``replicas`` are ``host:port`` of each ``qldrops serve``."""
    if not replicas:
        raise ValueError("give at least one replica (host:port)")
    replicas = [_check_replica(r) for r in replicas]
    if len(set(replicas)) != len(replicas):
        raise ValueError("a replica is listed twice")
    names = [f"r{i}" for i in range(1, len(replicas) + 1)]
    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure_cookie else "")
    route_map, cookie_map, any_servers, pinned = [], [], [], []
    for name, address in zip(names, replicas):
        route_map.append(f"        {name} qldrops_{name};")
        cookie_map.append(f'        "~(^|[ ,]){re.escape(address)}$" "qldrops_route={name}{flags}";')
        any_servers.append(f"        server {address} max_fails=1 fail_timeout=10s;")
        lines = [f"    upstream qldrops_{name} {{", f"        server {address} max_fails=1 fail_timeout=10s;"]
        lines += [f"        server {other} backup;" for other in replicas if other != address]
        lines += ["        keepalive 8;", "    }"]
        pinned.append("\n".join(lines))
    text = template.read_text()
    parts = {
        "@@USER@@": f"user {user};" if user else "# (workers run as the user nginx starts as)",
        "@@PREFIX@@": str(Path(prefix)),
        "@@STATIC@@": str(Path(static)),
        "@@LISTEN@@": _check_listen(str(listen)),
        "@@ROUTE_MAP@@": "\n".join(route_map),
        "@@COOKIE_MAP@@": "\n".join(cookie_map),
        "@@ANY_SERVERS@@": "\n".join(any_servers),
        "@@PINNED_UPSTREAMS@@": "\n\n".join(pinned),
    }
    for key, value in parts.items():
        text = text.replace(key, value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"the template has placeholders this script does not fill: {sorted(set(left))}")
    return text


def prepare_prefix(prefix: str | os.PathLike[str]) -> None:
    """Create the folders the configuration writes to."""
    for sub in ("", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (Path(prefix) / sub).mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replica", action="append", required=True, help="host:port of a `qldrops serve` (repeat)")
    ap.add_argument("--listen", default="80", help="nginx listen address (default 80)")
    ap.add_argument("--prefix", default="/var/lib/qldrops-proxy", help="folder for pid, logs and buffers")
    ap.add_argument("--static", default=str(STATIC), help="folder holding robots.txt")
    ap.add_argument("--user", default="", help="user the workers run as (e.g. www-data) when started as root")
    ap.add_argument("--secure-cookie", action="store_true", help="mark the route cookie Secure (behind TLS)")
    args = ap.parse_args(argv)
    try:
        text = render(args.replica, listen=args.listen, prefix=args.prefix, static=args.static, user=args.user,
                      secure_cookie=args.secure_cookie)
    except ValueError as exc:
        print(f"render_nginx: {exc}", file=sys.stderr)
        return 2
    prepare_prefix(args.prefix)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

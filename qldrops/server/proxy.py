"""A replica behind a reverse proxy: whose request is this?

Behind nginx (deploy/nginx.conf) every request comes from the proxy's address, so the
per-client rate limit and the per-client kernel bound would count all visitors as one.
The proxy says who the visitor is in ``X-Forwarded-For`` / ``X-Real-IP``; a replica believes
that only when the direct peer is one of ``QLDROPS_TRUSTED_PROXIES`` (addresses or networks).
Anyone else's forwarding headers are ignored, so a client talking to a replica directly cannot
pick the address it is counted under.

Internal endpoints (kernels calling their own server on loopback) also refuse any request that
carries forwarding headers: through a proxy on the same machine a visitor would otherwise look
like a loopback client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from ..errors import ConfigurationError

FORWARDED_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
SETTING = "qldrops_trusted_proxies"  # the Tornado application setting holding the parsed networks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_trusted(spec: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` -> networks; raises ConfigurationError on a bad entry."""
    nets = []
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"QLDROPS_TRUSTED_PROXIES: {part!r} is not an address or network",
                hint="list the proxies' addresses, e.g. QLDROPS_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24",
            ) from None
    return tuple(nets)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(ip: str, nets: tuple[Network, ...]) -> bool:
    addr = _address(ip)
    return addr is not None and any(addr in net for net in nets)


def client_address(request: Any, trusted: tuple[Network, ...]) -> str:
    """The visitor's address: the direct peer, or, from a trusted proxy, the nearest untrusted hop.

    ``X-Forwarded-For`` is read right to left (the rightmost entries were added by proxies we
    trust); ``X-Real-IP`` is the fallback. A malformed value leaves the direct peer.
    """
    peer = request.remote_ip or ""
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer
        if not _trusted(hop, trusted):
            return str(_address(hop))
    real = _address(request.headers.get("X-Real-IP", ""))
    if real is not None:
        return str(real)
    return str(_address(hops[0])) if hops else peer


def visitor_address(handler: Any) -> str:
    """:func:`client_address` for a Tornado handler (the trusted proxies are an application setting)."""
    return client_address(handler.request, handler.settings.get(SETTING, ()))


def is_https(handler: Any) -> bool:
    """Did the visitor use HTTPS? Directly, or (``X-Forwarded-Proto``) to a trusted proxy that terminated TLS."""
    request = handler.request
    if request.protocol == "https":
        return True
    trusted = handler.settings.get(SETTING, ())
    return bool(trusted) and _trusted(request.remote_ip or "", trusted) and \
        request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def is_forwarded(request: Any) -> bool:
    """True when a proxy relayed the request (it carries a forwarding header)."""
    return any(name in request.headers for name in FORWARDED_HEADERS)


__all__ = ["client_address", "is_forwarded", "is_https", "parse_trusted", "visitor_address"]

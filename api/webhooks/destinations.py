"""Where webhook deliveries may go. A subscription names any URL, and the worker that posts to
it sits inside the deployment's network: without a check, an agency client could point a
subscription at the metadata service, the database or an admin port and learn from the
delivery log which of them answer (server-side request forgery).

So, unless `WEBHOOK_PRIVATE_DESTINATIONS` allows them (by default outside production only,
where receivers run on the same machine), a delivery is refused when its host is, or resolves
to, an address that is not globally routable: loopback, private, link-local (169.254.169.254
included), shared (100.64.0.0/10), reserved, multicast, unspecified, or an IPv4 address written
as IPv6. Every address the name resolves to is checked, and the request then goes to the
checked address itself (the host name kept for `Host` and TLS), so a second lookup cannot
answer differently (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from api.config import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(Exception):
    """The delivery's host is, or resolves to, an address deliveries may not reach."""


def private_allowed(settings: Settings) -> bool:
    if settings.webhook_private_destinations is not None:
        return settings.webhook_private_destinations
    return not settings.is_production


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int, *, allow_private: bool) -> Address:
    """The address to connect to for `host`: the literal itself, or the first the name
    resolves to once every one of them is allowed. Raises RefusedDestination, and OSError
    when the name does not resolve."""
    found = literal(host)
    if found is not None:
        addresses = [found]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise RefusedDestination(
                    f"{host} is {address}, a private, loopback or reserved address; deliveries "
                    "there are refused (WEBHOOK_PRIVATE_DESTINATIONS)."
                    if found is not None
                    else f"{host} resolves to {address}, a private, loopback or reserved "
                    "address; deliveries there are refused (WEBHOOK_PRIVATE_DESTINATIONS)."
                )
    return addresses[0]

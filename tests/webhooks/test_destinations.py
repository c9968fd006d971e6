"""Where deliveries may go (SSRF, api/webhooks/destinations.py): the address rules, the check of
a subscription's URL in production, and deliveries refused before any connection, or sent to
the address that was checked."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime

import pytest

from api.config import get_settings
from api.errors import Unprocessable
from api.models import OutboxEvent
from api.webhooks import delivery, destinations, service
from tests.webhooks.conftest import Receiver

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "255.255.255.255",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:10.0.0.1",  # IPv4 written as IPv6
    "::ffff:127.0.0.1",
    "ff02::1",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses(address: str) -> None:
    assert not destinations.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert destinations.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", REFUSED)
async def test_a_literal_address_is_refused_without_a_lookup(address: str) -> None:
    with pytest.raises(destinations.RefusedDestination, match="private, loopback or reserved"):
        await destinations.resolve(address, 443, allow_private=False)
    assert await destinations.resolve(address, 443, allow_private=True) == ipaddress.ip_address(
        address
    )


async def test_a_name_is_judged_by_what_it_resolves_to() -> None:
    with pytest.raises(destinations.RefusedDestination, match="localhost resolves to"):
        await destinations.resolve("localhost", 443, allow_private=False)
    assert (await destinations.resolve("localhost", 443, allow_private=True)).is_loopback


async def test_a_name_that_does_not_resolve_is_an_os_error() -> None:
    with pytest.raises(socket.gaierror):
        await destinations.resolve("no-such-host.invalid", 443, allow_private=False)


def test_allowed_by_default_outside_production_only(settings_env: pytest.MonkeyPatch) -> None:
    assert destinations.private_allowed(get_settings())
    settings_env.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    assert not destinations.private_allowed(get_settings())
    settings_env.setenv("WEBHOOK_PRIVATE_DESTINATIONS", "true")
    get_settings.cache_clear()
    assert destinations.private_allowed(get_settings())
    settings_env.setenv("ENVIRONMENT", "development")
    settings_env.setenv("WEBHOOK_PRIVATE_DESTINATIONS", "false")
    get_settings.cache_clear()
    assert not destinations.private_allowed(get_settings())


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://localhost/hook",
        "https://100.64.0.1/hook",
    ],
)
def test_production_refuses_subscriptions_to_private_addresses(
    settings_env: pytest.MonkeyPatch, url: str
) -> None:
    settings_env.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    with pytest.raises(Unprocessable) as caught:
        service.check_url(url)
    assert caught.value.errors is not None
    assert caught.value.errors[0].code == "webhook_url_private"
    settings_env.setenv("WEBHOOK_PRIVATE_DESTINATIONS", "true")
    get_settings.cache_clear()
    assert service.check_url(url) == url


def test_production_accepts_public_addresses_and_names(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    # a name is checked when delivering, on what it resolves to then
    for url in ("https://93.184.216.34/hook", "https://receiver.example/hook"):
        assert service.check_url(url) == url


def event() -> OutboxEvent:
    return OutboxEvent(
        id=7,
        event_type="batch.status_changed",
        payload={"batch": "x"},
        occurred_at=datetime.now(UTC),
    )


async def test_a_delivery_to_a_private_address_is_refused_before_connecting(
    settings_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    settings_env.setenv("WEBHOOK_PRIVATE_DESTINATIONS", "false")
    get_settings.cache_clear()
    named = receiver.url.replace("127.0.0.1", "localhost")
    for url in (receiver.url, named):
        outcome = await delivery.send(url, "whsec_x", event(), get_settings())
        assert outcome.status_code is None
        assert not outcome.ok
        assert outcome.error is not None
        assert "WEBHOOK_PRIVATE_DESTINATIONS" in outcome.error
    assert receiver.requests == []


async def test_a_delivery_goes_to_the_checked_address_under_its_name(
    settings_env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.failures = 0
    named = receiver.url.replace("127.0.0.1", "localhost")
    outcome = await delivery.send(named, "whsec_x", event(), get_settings())
    assert outcome.ok, outcome.error
    ((headers, _),) = receiver.requests
    assert headers["host"] == named.split("/")[2]  # the name, not the address


async def test_a_name_that_does_not_resolve_is_a_failed_attempt() -> None:
    outcome = await delivery.send(
        "https://no-such-host.invalid/hook", "whsec_x", event(), get_settings()
    )
    assert outcome.status_code is None
    assert outcome.error is not None
    assert "could not be resolved" in outcome.error

"""pytest fixtures for the Sheets tests: the network guard, a service account and the local Google.

Import them into a test module (``from sheets_fake.fixtures import *``-style,
by name) so pytest finds them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter

from .server import FakeGoogle, start

ACCOUNT = "reportgen-publisher@test-project.iam.gserviceaccount.com"
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com",
                "https://iamcredentials.googleapis.com")
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "", None}


def _is_loopback(host: Any) -> bool:
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any connection or DNS lookup beyond loopback fails the test (and the call)."""
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(f"connect {address}")
            raise ConnectionRefusedError(f"test guard: no network ({address})")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host if not isinstance(host, bytes) else host.decode()):
            attempts.append(f"resolve {host}")
            raise socket.gaierror(f"test guard: no network ({host})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert not attempts, f"a test tried to reach the network: {attempts}"


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LocalGoogle(HTTPAdapter):
    """Sends requests for Google's API hosts to the local server instead."""

    def __init__(self, base_url: str):
        super().__init__(max_retries=0)
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        for host in GOOGLE_HOSTS:
            if request.url.startswith(host):
                request.url = self.base_url + request.url[len(host):]
        return super().send(request, *args, **kwargs)


@dataclass
class Google:
    fake: FakeGoogle
    key_file: Path
    adapters: dict[str, HTTPAdapter]
    private_key_pem: str


@pytest.fixture
def google(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Iterator[Google]:
    """The local Google, a service-account key file (mode 600) for it, and the adapters to reach it."""
    public = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    private = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    fake = FakeGoogle({ACCOUNT: public})
    server, thread = start(fake)
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "test-project", "private_key_id": "k1",
        "private_key": private, "client_email": ACCOUNT, "client_id": "1234567890",
        "token_uri": f"{fake.base_url}/token",
    }), encoding="utf-8")
    key_file.chmod(0o600)
    adapter = LocalGoogle(fake.base_url)
    try:
        yield Google(fake, key_file, {host + "/": adapter for host in GOOGLE_HOSTS}, private)
        # every body reportgen sent matched the official discovery documents
        assert not fake.problems, fake.problems
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

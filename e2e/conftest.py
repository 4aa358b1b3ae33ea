"""The whole platform, started by the same launcher as `make dev`, on free ports in a temp dir."""

from collections.abc import Callable, Iterator

import httpx
import pytest

from vanthu_core.ports import free_port
from vanthu_devstack import Stack, StackConfig

#: Modules that write random data into the shared platform: they run after the scenarios.
LAST = ("test_e2e_fuzz.py",)
#: The longest modules (some 10 and 6 minutes of a CI run's 2 workers), handed out first so that the other worker
#: takes the rest meanwhile; xdist hands out the files in this order (vanthu_testing's plugin puts e2e first).
FIRST = ("test_e2e_web.py", "test_e2e_access_matrix.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first; the fuzzing last, so every scenario sees the platform as seeded: a worker runs
    the files it is given in this order, and each worker has a platform of its own (the sort is stable)."""
    items.sort(key=lambda item: (item.path.name in LAST,
                                 FIRST.index(item.path.name) if item.path.name in FIRST else len(FIRST)))


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = StackConfig.for_tests(tmp_path_factory.mktemp("vanthu") / "var")
    # the web app's local signing tool (USB-token signing) on a free port too, not make dev's 18777: the browser
    # test starts the test signing tool there while its leader signs with a USB token
    config.extra_env["VANTHU_GATEWAY_WEB_SIGNING_TOOL_URL"] = f"http://127.0.0.1:{free_port()}"
    with Stack(config) as stack:
        yield stack


@pytest.fixture(scope="session")
def login(platform: Stack) -> Callable[[str], str]:
    """``login("vanthu.ubnd")`` → an access token from the platform's own dev issuer."""
    cache: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in cache:
            reply = httpx.post(f"{platform.issuer}/protocol/openid-connect/token",
                               data={"grant_type": "password", "client_id": "vanthu-web", "username": username,
                                     "password": "vanthu-dev"})
            reply.raise_for_status()
            cache[username] = reply.json()["access_token"]
        return cache[username]

    return token


@pytest.fixture
def api(platform: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client



@pytest.fixture(scope="session")
def draft_pdf() -> Callable[..., bytes]:
    """``draft_pdf()`` → a draft PDF with placeholders (optionally another abstract line)."""
    from vanthu_testing.documents import draft_pdf

    return draft_pdf

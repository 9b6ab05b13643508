"""Clusters for the client's tests: node processes started with scripts/rlctl, as users run them.

RAFTLIMITER_RLCTL names the rlctl script (default: the checkout's scripts/rlctl).
"""

import os
import pathlib
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
RLCTL = os.environ.get("RAFTLIMITER_RLCTL", str(ROOT / "scripts" / "rlctl"))


def _cluster(tls: bool):
    work = tempfile.mkdtemp(prefix="raftlimiter-python-")
    directory = pathlib.Path(work) / "cluster"
    command = [RLCTL, "cluster", "up", "--nodes", "3", "--dir", str(directory),
               "--jvm-opts", "-Xmx256m"]
    if tls:
        command.append("--tls")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    endpoints = [line.split()[1] for line in
                 (directory / "endpoints").read_text().splitlines() if line.strip()]
    return work, directory, endpoints


def _down(work: str, directory: pathlib.Path) -> None:
    subprocess.run([RLCTL, "cluster", "down", "--dir", str(directory)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["rm", "-rf", work])


@pytest.fixture(scope="session")
def cluster():
    """A plaintext 3-node cluster: its client endpoints."""
    work, directory, endpoints = _cluster(tls=False)
    yield endpoints
    _down(work, directory)


@pytest.fixture(scope="session")
def tls_cluster():
    """A 3-node cluster with mutual TLS: its endpoints and the directory of its certificates."""
    work, directory, endpoints = _cluster(tls=True)
    yield endpoints, directory / "tls"
    _down(work, directory)

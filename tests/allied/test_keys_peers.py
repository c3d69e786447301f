"""Node keys (Ed25519), link tokens both ways, and the peers file's validation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from missilewatch.allied.keys import (
    LinkAuthError,
    init_node,
    link_token,
    load_private,
    load_public,
    verify_link_token,
)
from missilewatch.allied.peers import load_peers
from missilewatch.allied.threenode import write_setup
from missilewatch.errors import InputError
from tests.service.conftest import cli_env

ADDR = {"JPN": "http://127.0.0.1:18501", "ROK": "http://127.0.0.1:18502", "US": "http://127.0.0.1:18503"}


def test_init_node_cli_writes_a_pair_and_refuses_to_overwrite(tmp_path):
    cmd = [sys.executable, "-m", "missilewatch.cli.app", "keys", "init-node", "--node", "JPN", "--out", str(tmp_path)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), timeout=60)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "JPN.key").stat().st_mode & 0o777 == 0o600
    load_private(tmp_path / "JPN.key"), load_public(tmp_path / "JPN.pub")
    again = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), timeout=60)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "refusing to overwrite" in (again.stdout + again.stderr)
    bad = subprocess.run(cmd[:-4] + ["--node", "jpn!", "--out", str(tmp_path / "x")], capture_output=True, text=True,
                         env=cli_env(), timeout=60)
    assert bad.returncode == 2 and "--node" in (bad.stdout + bad.stderr)


def test_link_tokens_prove_the_key_the_audience_and_the_challenge(tmp_path):
    init_node("JPN", tmp_path)
    init_node("ROK", tmp_path)
    jpn, rok = load_private(tmp_path / "JPN.key"), load_private(tmp_path / "ROK.key")
    tok = link_token(jpn, "JPN", "ROK", "n1")
    assert verify_link_token(tok, load_public(tmp_path / "JPN.pub"), "JPN", "ROK", "n1")["nonce"] == "n1"
    with pytest.raises(LinkAuthError):  # signed by another key
        verify_link_token(link_token(rok, "JPN", "ROK"), load_public(tmp_path / "JPN.pub"), "JPN", "ROK")
    with pytest.raises(LinkAuthError):  # meant for another node
        verify_link_token(link_token(jpn, "JPN", "US"), load_public(tmp_path / "JPN.pub"), "JPN", "ROK")
    with pytest.raises(LinkAuthError):  # an answer to another challenge
        verify_link_token(tok, load_public(tmp_path / "JPN.pub"), "JPN", "ROK", "n2")
    with pytest.raises(LinkAuthError):  # expired
        verify_link_token(link_token(jpn, "JPN", "ROK", ttl_s=-10), load_public(tmp_path / "JPN.pub"), "JPN", "ROK")


def test_three_node_setup_loads(tmp_path):
    files = write_setup(tmp_path, ADDR)
    for node, path in files.items():
        p = load_peers(path, node)
        assert p.node == node and set(p.peers) == set(ADDR) - {node}
    assert load_peers(files["JPN"]).peers["US"].terms.area is not None
    assert load_peers(files["JPN"]).peers["ROK"].terms.coarsen_km == 1.0


def test_peers_file_names_every_bad_field(tmp_path):
    files = write_setup(tmp_path, ADDR)
    bad = files["JPN"].parent / "bad.toml"
    bad.write_text('node = "JPN"\nprivate_key = "../keys/NOPE.key"\ncolour = 1\n'
                   '[[peer]]\nnode = "rok"\naddress = "ftp://x"\npublic_key = "../keys/ROK.key"\n'
                   'terms = "terms/JPN-to-US.toml"\nsensors = "busan"\n'
                   '[[peer]]\nnode = "US"\naddress = "http://127.0.0.1:1"\npublic_key = "../keys/US.pub"\n')
    with pytest.raises(InputError) as e:
        load_peers(bad, "JPN")
    text = str(e.value)
    for piece in ("colour: unknown field", "private_key", "peer[0].node", "peer[0].address", "peer[0].public_key",
                  "peer[0].sensors", "peer[1].terms: missing"):
        assert piece in text, (piece, text)
    with pytest.raises(InputError, match="node 'JPN'"):
        load_peers(files["JPN"], "ROK")


def test_terms_name_every_bad_field(tmp_path):
    from missilewatch.allied.terms import load_terms

    p = tmp_path / "t.toml"
    p.write_text('partner = "ROK"\nmode = "everything"\ndelay_s = -1\ncoarsen_km = "x"\nextra = 1\n'
                 '[area]\nbbox = [50, 120, 30, 150]\n')
    with pytest.raises(InputError) as e:
        load_terms(p, "ROK")
    text = str(e.value)
    for piece in ("mode:", "delay_s:", "coarsen_km:", "extra: unknown", "area.bbox:"):
        assert piece in text, (piece, text)
    p.write_text('partner = "ROK"\nmode = "measurements"\ncoarsen_km = 2\n')
    with pytest.raises(InputError, match="sensors: mode measurements needs"):
        load_terms(p, "ROK")
    p.write_text('partner = "US"\nmode = "tracks"\n')
    with pytest.raises(InputError, match="not for the peer 'ROK'"):
        load_terms(p, "ROK")
    p.write_text('partner = "ROK"\nmode = "tracks"\n[area]\npolygon = [[30, 120], [40, 130], [30, 130], [40, 120]]\n')
    with pytest.raises(InputError, match="cross itself"):
        load_terms(p, "ROK")


def test_serve_refuses_a_bad_peers_file_in_one_line(tmp_path):
    files = write_setup(tmp_path, ADDR)
    bad = files["JPN"].parent / "bad.toml"
    bad.write_text(files["JPN"].read_text().replace('address = "http://127.0.0.1:18502"', 'address = "nowhere"'))
    r = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "serve", "--db", f"sqlite:///{tmp_path}/x.db",
                        "--node", "JPN", "--peers", str(bad)],
                       capture_output=True, text=True, env=cli_env(), timeout=60)
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 2 and "Traceback" not in out and len(out.splitlines()) == 1
    assert "peer[0].address" in out and "nowhere" in out
    r = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "serve", "--node", "JPN"],
                       capture_output=True, text=True, env=cli_env(), timeout=60)
    assert r.returncode == 2 and "--peers" in (r.stdout + r.stderr)


def test_link_backoff_doubles_and_is_bounded():
    import random

    from missilewatch.allied.link import BACKOFF_MAX_S, BACKOFF_MIN_S, backoff_s

    rng = random.Random(1)
    for n in range(1, 40):
        b = backoff_s(n, rng)
        cap = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** (n - 1))
        assert 0.5 * cap <= b < cap
    assert max(backoff_s(30, rng) for _ in range(200)) < BACKOFF_MAX_S

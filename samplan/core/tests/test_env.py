import pytest
from django.core.exceptions import ImproperlyConfigured

from samplan.core.env import Env, parse_database_url


def test_sqlite_paths():
    assert parse_database_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    assert parse_database_url("sqlite:///x.db")["NAME"] == "x.db"


def test_postgres_url():
    config = parse_database_url("postgres://me:s%40cret@127.0.0.1:5432/samplan")
    assert config["ENGINE"] == "samplan.core.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "me",
        "s@cret",
        "127.0.0.1",
        "5432",
        "samplan",
    )


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgres://127.0.0.1:5432/", "sqlite:///", "postgres://h:port/db"]
)
def test_bad_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)


def test_typed_values():
    env = Env({"A": "yes", "B": "12", "C": "a, b,,c"})
    assert env.bool("A", default=False) is True
    assert env.int("B", default=1) == 12
    assert env.list("C", default=[]) == ["a", "b", "c"]
    assert env.str("MISSING", default="d") == "d"


@pytest.mark.parametrize(("name", "value"), [("bool", "maybe"), ("int", "twelve")])
def test_bad_typed_values_are_refused(name, value):
    env = Env({"X": value})
    with pytest.raises(ImproperlyConfigured, match="X"):
        getattr(env, name)("X", default=0)


def test_required_without_default():
    with pytest.raises(ImproperlyConfigured):
        Env({}).str("SECRET_KEY")


def test_minimum_is_enforced():
    with pytest.raises(ImproperlyConfigured):
        Env({"N": "0"}).int("N", default=5, minimum=1)


def test_networks_are_parsed_and_bad_ones_refused():
    env = Env({"P": "10.0.0.5, 10.0.1.0/24,::1"})
    assert [str(n) for n in env.networks("P", default=[])] == [
        "10.0.0.5/32",
        "10.0.1.0/24",
        "::1/128",
    ]
    assert env.networks("MISSING", default=[]) == []
    with pytest.raises(ImproperlyConfigured, match="P: 'nginx' is not an IP address"):
        Env({"P": "nginx"}).networks("P", default=[])

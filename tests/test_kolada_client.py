"""The Kolada API v3 client against a fake Kolada on 127.0.0.1, answering with recorded responses.

The fake serves ``tests/fixtures/kolada/*.json`` (``{base_url}`` in a fixture becomes the fake's own
URL, so ``next_url`` points back at it), records every request, and can answer a scripted sequence of
statuses (503 then 200) for the retry tests. No internet, no sleeping: the client's sleep is recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyarrow.parquet as pq
import pytest

from ingest.kolada import (
    KoladaClient,
    KoladaError,
    KoladaHTTPError,
    KoladaResponseError,
    KoladaValue,
    PageProgress,
)
from ingest.kolada.load import KOLADA_SCHEMA
from regionkpi.jobs import cli

FIXTURES = Path(__file__).parent / "fixtures" / "kolada"
PAGED_PATH = "/v3/data/kpi/N60030/municipality/0000,0006/year/2019,2020"

Response = tuple[int, str, dict[str, str]]


class FakeKolada:
    """A local HTTP server in a thread that answers Kolada-shaped JSON and records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[tuple[str, str | None], list[Response]] = {}
        self.default: Response | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                fake.requests.append((parts.path, query))
                status, body, headers = fake.answer(parts.path, query.get("page"))
                data = body.replace("{base_url}", fake.base_url).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v3"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def answer(self, path: str, page: str | None) -> Response:
        script = self.routes.get((path, page))
        if script:
            return script.pop(0) if len(script) > 1 else script[0]
        if self.default is not None:
            return self.default
        return 404, json.dumps({"detail": "Not Found"}), {}

    def route(self, path: str, *responses: Response, page: str | None = None) -> None:
        self.routes[(path, page)] = list(responses)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def fixture(name: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return status, (FIXTURES / name).read_text(encoding="utf-8"), headers or {}


@pytest.fixture
def kolada() -> Iterator[FakeKolada]:
    fake = FakeKolada()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_for(kolada: FakeKolada, sleeps: list[float], **options: object) -> KoladaClient:
    return KoladaClient(kolada.base_url, sleep=sleeps.append, timeout=5.0, **options)


def route_three_pages(kolada: FakeKolada) -> None:
    kolada.route(PAGED_PATH, fixture("paged_1.json"))
    kolada.route(PAGED_PATH, fixture("paged_2.json"), page="2")
    kolada.route(PAGED_PATH, fixture("paged_3.json"), page="3")


def test_follows_next_url_over_three_pages(kolada: FakeKolada, sleeps: list[float]) -> None:
    route_three_pages(kolada)
    pages: list[PageProgress] = []
    with client_for(kolada, sleeps, progress=pages.append) as client:
        records = list(client.fetch_values(["N60030"], ["0000", "0006"], [2019, 2020]))

    assert kolada.paths == [PAGED_PATH] * 3
    assert [query.get("page") for _, query in kolada.requests] == [None, "2", "3"]
    assert kolada.requests[0][1] == {"per_page": "5000"}
    assert [(p.page, p.records, p.deleted) for p in pages] == [(1, 4, 0), (2, 2, 2), (3, 3, 0)]
    assert records == [
        KoladaValue("N60030", "0000", 2019, "T", 6.5, 1, None),
        KoladaValue("N60030", "0000", 2019, "K", 7.2, 1, None),
        KoladaValue("N60030", "0000", 2019, "M", 4.3, 1, None),
        KoladaValue("N60030", "0000", 2020, "T", 7.8, 1, None),
        # page 2: the deleted K value and the deleted 2018 object are gone; status "" reads as None
        KoladaValue("N60030", "0006", 2019, "T", 5.9, 1, None),
        KoladaValue("N60030", "0006", 2019, "M", 3.8, 1, None),
        KoladaValue("N60030", "0006", 2020, "T", 7.2, 1, None),
        KoladaValue("N60030", "0006", 2020, "K", None, None, "Preliminärt"),
        KoladaValue("N60030", "0006", 2020, "M", 0.0, 1, None),
    ]
    assert sleeps == []


def test_deleted_values_are_dropped_and_a_null_value_stays_none(kolada: FakeKolada, sleeps: list[float]) -> None:
    route_three_pages(kolada)
    with client_for(kolada, sleeps) as client:
        records = list(client.fetch_values(["N60030"], ["0000", "0006"], [2019, 2020]))
    keys = {(r.municipality_id, r.period_year, r.gender) for r in records}
    assert ("0006", 2019, "K") not in keys  # isdeleted on the gender entry
    assert not any(r.period_year == 2018 for r in records)  # isdeleted on the whole object
    missing = next(r for r in records if (r.municipality_id, r.period_year, r.gender) == ("0006", 2020, "K"))
    assert missing.value is None and missing.count is None  # null, never 0
    zero = next(r for r in records if (r.municipality_id, r.period_year, r.gender) == ("0006", 2020, "M"))
    assert zero.value == 0.0  # a real 0 stays 0


def test_per_page_is_at_most_5000(kolada: FakeKolada, sleeps: list[float]) -> None:
    for wrong in (5001, 0, -1, True, 2.5):
        with pytest.raises(ValueError, match="per_page"):
            KoladaClient(kolada.base_url, per_page=wrong)  # type: ignore[arg-type]
    kolada.default = fixture("empty.json")
    with client_for(kolada, sleeps, per_page=250) as client:
        assert list(client.fetch_values(["N60030"], ["0006"])) == []
    assert kolada.requests == [("/v3/data/kpi/N60030/municipality/0006", {"per_page": "250"})]


def test_more_than_25_ids_are_split_into_chunks(kolada: FakeKolada, sleeps: list[float]) -> None:
    kolada.default = fixture("empty.json")
    kpis = [f"N{n:05d}" for n in range(1, 31)]
    with client_for(kolada, sleeps) as client:
        list(client.fetch_values(kpis, ["0000"], [2020]))
        assert kolada.paths == [
            f"/v3/data/kpi/{','.join(kpis[:25])}/municipality/0000/year/2020",
            f"/v3/data/kpi/{','.join(kpis[25:])}/municipality/0000/year/2020",
        ]

        kolada.requests.clear()
        municipalities = [f"{n:04d}" for n in range(1, 28)]  # 27: chunks of 25 and 2
        list(client.fetch_values(kpis, municipalities))
    segments = [(len(path.split("/")[4].split(",")), len(path.split("/")[6].split(","))) for path in kolada.paths]
    assert segments == [(25, 25), (25, 2), (5, 25), (5, 2)]  # the cross product of the chunks
    assert all("/year/" not in path for path in kolada.paths)  # no years: every year


def test_ids_cannot_add_path_segments_or_queries(kolada: FakeKolada, sleeps: list[float]) -> None:
    with client_for(kolada, sleeps) as client:
        for bad in ("N60030/../x", "N60030?a=b", "N600 30", ""):
            with pytest.raises(ValueError, match="not a Kolada id"):
                client.data_urls([bad], ["0006"])
        with pytest.raises(ValueError, match="four-digit"):
            client.data_urls(["N60030"], ["0006"], ["20"])
    assert kolada.requests == []


def test_from_date_is_passed_through(kolada: FakeKolada, sleeps: list[float]) -> None:
    kolada.default = fixture("empty.json")
    with client_for(kolada, sleeps) as client:
        list(client.fetch_values(["N60030"], ["0006"], [2023], from_date=dt.date(2024, 5, 1)))
        list(client.fetch_values(["N60030"], ["0006"], from_date=dt.datetime(2024, 5, 2, 13, 30, tzinfo=dt.UTC)))
        with pytest.raises(TypeError):
            list(client.fetch_values(["N60030"], ["0006"], from_date="2024-05-01"))  # type: ignore[arg-type]
    assert [query for _, query in kolada.requests] == [
        {"per_page": "5000", "from_date": "2024-05-01"},
        {"per_page": "5000", "from_date": "2024-05-02"},
    ]


def test_retries_a_503_then_succeeds(kolada: FakeKolada, sleeps: list[float]) -> None:
    path = "/v3/data/kpi/N60030/municipality/0006"
    kolada.route(path, (503, "Service Unavailable", {}), fixture("paged_3.json"))
    with client_for(kolada, sleeps, backoff_seconds=0.5) as client:
        records = list(client.fetch_values(["N60030"], ["0006"]))
    assert kolada.paths == [path, path]
    assert sleeps == [0.5]
    assert [r.gender for r in records] == ["T", "K", "M"]


def test_a_429_waits_as_long_as_retry_after_says(kolada: FakeKolada, sleeps: list[float]) -> None:
    path = "/v3/data/kpi/N60030/municipality/0006"
    kolada.route(path, (429, "{}", {"Retry-After": "7"}), fixture("empty.json"))
    with client_for(kolada, sleeps, backoff_seconds=0.5) as client:
        assert list(client.fetch_values(["N60030"], ["0006"])) == []
    assert sleeps == [7.0]


def test_gives_up_after_the_retries_with_url_and_status(kolada: FakeKolada, sleeps: list[float]) -> None:
    kolada.default = (503, "overloaded", {})
    with (
        client_for(kolada, sleeps, max_retries=2, backoff_seconds=1.0) as client,
        pytest.raises(KoladaHTTPError) as error,
    ):
        list(client.fetch_values(["N60030"], ["0006"]))
    assert error.value.status == 503
    assert "HTTP 503" in str(error.value) and "after 3 attempts" in str(error.value)
    assert f"{kolada.base_url}/data/kpi/N60030/municipality/0006?per_page=5000" in str(error.value)
    assert sleeps == [1.0, 2.0]  # exponential backoff
    assert len(kolada.requests) == 3


def test_a_404_fails_at_once_naming_url_and_status(kolada: FakeKolada, sleeps: list[float]) -> None:
    with client_for(kolada, sleeps) as client, pytest.raises(KoladaHTTPError) as error:
        list(client.fetch_values(["N99999"], ["0006"], [2020]))
    message = str(error.value)
    assert error.value.status == 404
    assert "HTTP 404" in message
    assert f"{kolada.base_url}/data/kpi/N99999/municipality/0006/year/2020?per_page=5000" in message
    assert len(kolada.requests) == 1 and sleeps == []  # a 404 is not retried


def test_connection_errors_are_retried_then_reported(sleeps: list[float]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KoladaClient(f"http://127.0.0.1:{port}/v3", sleep=sleeps.append, max_retries=2, timeout=2.0)
    with client, pytest.raises(KoladaError, match=r"cannot reach Kolada at http://127\.0\.0\.1:\d+/v3/data/kpi/N60030"):
        list(client.fetch_values(["N60030"], ["0006"]))
    assert len(sleeps) == 2


def test_a_next_url_loop_is_stopped(kolada: FakeKolada, sleeps: list[float]) -> None:
    kolada.route("/v3/data/kpi/N60030/municipality/0006", fixture("loop.json"))
    with client_for(kolada, sleeps) as client, pytest.raises(KoladaError, match="already read"):
        list(client.fetch_values(["N60030"], ["0006"]))
    assert len(kolada.requests) == 1


def test_an_unknown_gender_is_a_format_error(kolada: FakeKolada, sleeps: list[float]) -> None:
    kolada.route("/v3/data/kpi/N60030/municipality/0006", fixture("bad_gender.json"))
    with client_for(kolada, sleeps) as client, pytest.raises(KoladaResponseError, match="gender must be one of"):
        list(client.fetch_values(["N60030"], ["0006"]))


def test_cli_fetch_loads_one_parquet_file_into_raw(
    kolada: FakeKolada, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    route_three_pages(kolada)
    monkeypatch.setenv("REGIONKPI_ROOT", str(tmp_path))
    argv = ["kolada", "fetch", "--kpi", "N60030", "--municipality", "0000", "--municipality", "0006"]
    argv += ["--year", "2019", "--year", "2020", "--base-url", kolada.base_url]

    assert cli.main(argv) == 0

    files = sorted((tmp_path / "warehouse" / "raw" / "kolada_values").glob("*.parquet"))
    assert len(files) == 1 and files[0].name.startswith("api_")
    table = pq.read_table(files[0])
    assert table.schema.equals(KOLADA_SCHEMA)
    assert table.num_rows == 9
    assert (tmp_path / "warehouse" / "raw" / "kolada_values" / "_schema" / "empty.parquet").is_file()
    assert "9 value(s)" in capsys.readouterr().out


def test_cli_fetch_reports_a_failure_and_writes_nothing(
    kolada: FakeKolada, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kolada.route(PAGED_PATH, fixture("paged_1.json"))  # page 2 is missing: a 404 halfway through
    monkeypatch.setenv("REGIONKPI_ROOT", str(tmp_path))
    argv = ["kolada", "fetch", "--kpi", "N60030", "--municipality", "0000", "--municipality", "0006"]
    argv += ["--year", "2019", "--year", "2020", "--base-url", kolada.base_url, "--retries", "0"]

    assert cli.main(argv) == 2

    assert "HTTP 404" in capsys.readouterr().err
    assert list((tmp_path / "warehouse" / "raw" / "kolada_values").glob("*.parquet")) == []

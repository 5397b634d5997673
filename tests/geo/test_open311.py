"""The ledger as Open311 GeoReport v2 service requests: every row, the spec's fields, no reporter's name."""

from __future__ import annotations

import json
from pathlib import Path

from geo import schema as s
from geo.report.open311 import CHUNK, iter_json, to_json
from geo.sample import load_dataset

#: GeoReport v2's service request fields (http://wiki.open311.org/GeoReport_v2#GET_Service_Requests).
FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"]


def test_every_issue_is_a_service_request_with_the_specs_fields() -> None:
    data = load_dataset()
    records = json.loads(to_json(data.issues, data.categories))
    assert len(records) == len(data.issues)
    assert all(list(r) == FIELDS for r in records[:50])
    by_id = {r["service_request_id"]: r for r in records}
    issue = data.issues.iloc[0]
    first = by_id[issue[s.ISSUE_ID]]
    assert first["requested_datetime"] == issue[s.REPORTED_AT].isoformat()
    assert (first["lat"], first["long"]) == (round(issue.geometry.y, 7), round(issue.geometry.x, 7))
    # Two states in the spec; ours travel in the notes, so a void case is not read as fixed.
    states = {(r["status"], r["status_notes"].split(" · ")[0]) for r in records}
    assert ("closed", "void") in states and ("open", "rectified") in states and ("closed", "closed") in states
    assert not {"open", "closed"} - {r["status"] for r in records}
    reporters = set(data.issues[s.REPORTER].dropna())
    text = to_json(data.issues, data.categories).decode("utf-8")
    assert reporters and not any(name in text for name in list(reporters)[:20])  # never a person's name


def test_hostile_text_stays_text_and_large_ledgers_stream_in_chunks(tmp_path: Path) -> None:
    data = load_dataset()
    issues = data.issues.head(CHUNK + 5).copy()
    issues[s.DESCRIPTION] = issues[s.DESCRIPTION].astype(object)
    issues.loc[issues.index[0], s.DESCRIPTION] = '"]}, {"evil": 1} <script>alert(1)</script>\u2028'
    chunks = list(iter_json(issues, data.categories))
    assert len(chunks) == 4  # "[", two chunks of records, "]"
    records = json.loads(b"".join(chunks))
    assert len(records) == CHUNK + 5 and records[0]["description"].startswith('"]}, {"evil": 1}')

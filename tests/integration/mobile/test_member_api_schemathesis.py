"""Schemathesis fuzzes every operation from the OpenAPI document (signed in): no request makes a 5xx."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.db.database import Database
from mobile.api.routes import support
from tests.integration.mobile.conftest import make_saver, sign_in

ST = Path(sys.executable).with_name("st")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ST.exists() and shutil.which("st") is None, reason="schemathesis is not installed"),
]


async def _run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(ST if ST.exists() else shutil.which("st")), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=280)
    return proc.returncode or 0, out.decode(errors="replace")


async def test_no_server_errors_and_answers_match_the_document(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    saver = await make_saver(db, savings=50_000)
    tokens = await sign_in(client, db, saver)
    pending: list[str] = []
    if support.member_statement_pdf is None:  # 501 until reports land: a deliberate 5xx, not a crash
        pending = ["--exclude-path", "/api/v1/me/statement.pdf"]
    code, out = await _run(
        "run", str(client.make_url("/api/v1/openapi.json")),
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", "25", "--seed", "20261123", "--workers", "1", "--request-timeout", "20",
        "--header", f"Authorization: Bearer {tokens['access_token']}",
        "--exclude-path", "/api/v1/auth/logout",  # would end the very session the run uses
        *pending,
        "--report", "junit", "--report-dir", str(tmp_path), "--warnings", "off",
    )
    assert code == 0, out[-6000:]

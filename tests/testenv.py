"""Constants shared by the fixtures and the tests (conftest modules are not importable by name)."""

from pathlib import Path

PUBLIC_BASE_URL = "https://outreach.test"

#: Twilio's OpenAPI description of REST API v2010, kept in the repository (see its README.md)
TWILIO_OPENAPI = Path(__file__).resolve().parent / "twilio_api" / "twilio_api_v2010.json"

"""Constants shared by the fixtures and the tests (conftest modules are not importable by name)."""

from pathlib import Path

PUBLIC_BASE_URL = "https://outreach.test"

#: Twilio's OpenAPI description of REST API v2010, in shared/ beside the checkout
TWILIO_OPENAPI = Path(__file__).resolve().parents[2] / "shared" / "twilio" / "twilio_api_v2010.json"

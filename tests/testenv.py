"""Constants shared by the fixtures and the tests (conftest modules are not importable by name)."""

PUBLIC_BASE_URL = "https://outreach.test"

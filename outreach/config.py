"""Settings from the environment, validated once at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one process."""

    database_url: str
    redis_url: str | None  #: None means the embedded Redis under the instance folder
    secret_key: str
    public_base_url: str
    transport: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from_number: str | None
    twilio_messaging_service_sid: str | None
    twilio_api_base_url: str | None
    twilio_timeout: float
    send_rate_per_second: float
    scheduler_interval: float
    trust_proxy: bool
    smtp_url: str | None = None  #: smtp://user:pass@host:587 (STARTTLS) or smtps:// (TLS)
    email_from: str | None = None  #: the sender address of every e-mail
    smtp_timeout: float = 10.0
    inbound_email_key: str | None = None  #: Mailgun's HTTP webhook signing key


def _url(variable: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ConfigError(variable, f"expected a URL starting with {' or '.join(schemes)}://")
    return value.rstrip("/")


def _positive(env: dict[str, str], variable: str, default: float) -> float:
    raw = env.get(variable)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(variable, f"expected a positive number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(variable, f"expected a positive number, got {raw!r}")
    return value


def _secret_key(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(instance_path: Path, env: dict[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise ConfigError naming the first bad variable."""
    env = dict(os.environ if env is None else env)
    get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731

    database_url = get("DATABASE_URL") or f"sqlite:///{instance_path / 'outreach.db'}"
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", "not a SQLAlchemy database URL") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("DATABASE_URL", "only sqlite:// and postgresql:// are supported")
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        database_url = url.set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False
        )
    if database_url.startswith("postgres://"):
        raise ConfigError("DATABASE_URL", "use postgresql://, not postgres://")

    redis_url = get("REDIS_URL")
    if redis_url:
        redis_url = _url("REDIS_URL", redis_url, ("redis", "rediss", "unix"))

    public_base_url = _url(
        "PUBLIC_BASE_URL", get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000", ("http", "https")
    )

    sid, token = get("TWILIO_ACCOUNT_SID"), get("TWILIO_AUTH_TOKEN")
    from_number, service_sid = get("TWILIO_FROM_NUMBER"), get("TWILIO_MESSAGING_SERVICE_SID")
    if sid and not sid.startswith("AC"):
        raise ConfigError("TWILIO_ACCOUNT_SID", "an Account SID starts with AC")
    if bool(sid) != bool(token):
        missing = "TWILIO_AUTH_TOKEN" if sid else "TWILIO_ACCOUNT_SID"
        raise ConfigError(missing, "set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither")
    if service_sid and not service_sid.startswith("MG"):
        raise ConfigError("TWILIO_MESSAGING_SERVICE_SID", "a Messaging Service SID starts with MG")
    if from_number:
        from outreach.company.phones import PhoneError, normalize_phone

        try:
            from_number = normalize_phone(from_number, require_mobile=False)
        except PhoneError as exc:
            raise ConfigError("TWILIO_FROM_NUMBER", str(exc)) from None

    transport = (get("OUTREACH_TRANSPORT") or ("twilio" if sid else "outbox")).lower()
    if transport not in ("twilio", "outbox"):
        raise ConfigError("OUTREACH_TRANSPORT", f"expected twilio or outbox, got {transport!r}")
    if transport == "twilio":
        if not sid:
            raise ConfigError(
                "TWILIO_ACCOUNT_SID", "required when OUTREACH_TRANSPORT=twilio (or use outbox)"
            )
        if not (from_number or service_sid):
            raise ConfigError(
                "TWILIO_FROM_NUMBER",
                "set it or TWILIO_MESSAGING_SERVICE_SID to send through Twilio",
            )

    api_base = get("TWILIO_API_BASE_URL")
    if api_base:
        api_base = _url("TWILIO_API_BASE_URL", api_base, ("http", "https"))

    trust_raw = (get("OUTREACH_TRUST_PROXY") or "0").lower()
    if trust_raw not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError("OUTREACH_TRUST_PROXY", "expected 1 or 0")

    smtp_url = get("SMTP_URL")
    if smtp_url:
        smtp_url = _smtp_url(smtp_url)
    email_from = get("OUTREACH_EMAIL_FROM")
    if email_from and not _is_address(email_from):
        raise ConfigError("OUTREACH_EMAIL_FROM", "expected an address such as care@example.com")
    if smtp_url and not email_from:
        raise ConfigError("OUTREACH_EMAIL_FROM", "required when SMTP_URL is set")

    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=get("SECRET_KEY") or _secret_key(instance_path),
        public_base_url=public_base_url,
        transport=transport,
        twilio_account_sid=sid,
        twilio_auth_token=token,
        twilio_from_number=from_number,
        twilio_messaging_service_sid=service_sid,
        twilio_api_base_url=api_base,
        twilio_timeout=_positive(env, "OUTREACH_TWILIO_TIMEOUT", 10.0),
        send_rate_per_second=_positive(env, "OUTREACH_SEND_RATE", 10.0),
        scheduler_interval=_positive(env, "OUTREACH_SCHEDULER_INTERVAL", 1.0),
        trust_proxy=trust_raw in ("1", "true", "yes"),
        smtp_url=smtp_url,
        email_from=email_from,
        smtp_timeout=_positive(env, "OUTREACH_SMTP_TIMEOUT", 10.0),
        inbound_email_key=get("MAILGUN_WEBHOOK_SIGNING_KEY"),
    )


def _is_address(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain) and not any(c in value for c in " <>,\r\n")


def _smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(
            "SMTP_URL", "expected smtp://user:pass@host:587 (STARTTLS) or smtps://host:465"
        )
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ConfigError("SMTP_URL", "the port is not a number") from None
    return value

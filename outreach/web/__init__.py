"""What every page and answer shares: page helpers, bounded ids, NUL refusal, security headers."""

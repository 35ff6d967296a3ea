"""Reporting: dashboard figures, SVG charts, a customer's timeline, the attention list, the
calendar feed."""

"""The company: its settings, phone-number rules and message templates."""

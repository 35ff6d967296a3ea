"""Request shapes: pydantic models and the validation rules they share."""

"""Development: demo data and the `outreach dev` process tree."""

"""manage.py commands: seed_demo, run_message_worker."""

"""Domain rules in plain Python: users, aliases, codes, sessions, messages. No SQL, no HTTP."""

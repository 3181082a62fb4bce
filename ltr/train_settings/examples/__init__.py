"""Example train settings: small, fast, real trainings that exercise the generic machinery (used by the tests)."""

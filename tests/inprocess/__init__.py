"""Operations called in process through the wire's ``dispatch`` (``tests.harness``), on a fake
clock: the rules about time (expiry, rolling hours, lockout) without editing stored rows."""

"""netconform's own tests: harness units, and the proof that the specs have teeth."""

# Soak (issue 5), not part of `make test` or CI: SOAK_REQUESTS (1,000,000)
# requests with ringfetch -m SOAK_WINDOW (500) against flagserver --preset ERROR
# on a free port; checks that every count adds up and that ringfetch's RSS at the
# end is within 10% of its RSS after the first 10,000 items. Takes ~10 minutes.
#   make soak                        SOAK_REQUESTS=100000 make soak
#   SOAK_DISCARD=1 make soak         the engine alone: ringfetch --discard, no name table
.PHONY: soak
soak: all
	RF_BUILD=$(BUILD) python3 tests/soak/soak.py

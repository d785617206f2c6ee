# `make bench`: ringfetch against curl, wget2, aria2, an aiohttp client and wrk
# (bench/run; results in bench/results/latest.{md,png,json}). Like test and
# demo it re-enters make after `deps`, so a fresh machine has the packages
# before anything compiles. BENCH_ARGS passes options through, e.g.
# `make bench BENCH_ARGS=--quick`, `BENCH_ARGS='--fs none'` (tmpfs rows only)
# or `BENCH_ARGS='--fs ext4 --corpora many'`.
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory all
	RF_BUILD=$(BUILD) bench/run $(BENCH_ARGS)

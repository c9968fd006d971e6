.PHONY: run test setup lint openapi bench

run:            ## the whole system with demo data on http://127.0.0.1:8000
	scripts/run.sh

test:           ## every check and test suite
	scripts/test.sh

setup:
	scripts/setup.sh

openapi:        ## refresh frontend/openapi.json and the generated client
	.venv/bin/firstset export-openapi
	cd frontend && npm run gen:api

bench:          ## the performance budgets (about 15 minutes; docs/performance.md)
	scripts/bench.sh

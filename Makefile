# The two commands a newcomer needs: `make run` and `make test`.
# Everything else (packages, virtualenv, local PostgreSQL and Redis under var/)
# is provisioned on demand by scripts/dev.sh, so neither needs a manual step.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run test lint manage stop clean services bench

help:
	@echo "make run     set everything up and serve http://127.0.0.1:8000 (web + Celery worker + beat)"
	@echo "make test    set everything up, then ruff, import-linter and the whole pytest suite"
	@echo "make manage CMD='createsuperuser'   run a management command against the local services"
	@echo "make stop    stop the local PostgreSQL and Redis under var/"
	@echo "make clean   remove var/ (asks first)"

run:
	@bash scripts/dev.sh run

test:
	@bash scripts/dev.sh test $(PYTEST_ARGS)

lint:
	@bash scripts/dev.sh lint

manage:
	@bash scripts/dev.sh manage $(CMD)

services:
	@bash scripts/dev.sh services

stop:
	@bash scripts/dev.sh stop

clean:
	@bash scripts/dev.sh clean

bench:
	@bash scripts/dev.sh bench

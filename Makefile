# Thin shortcuts for people who type `make`: each target runs the Invoke task of
# the same name through uv, so the two always do the same thing.
#   make help
.DEFAULT_GOAL := help
INVOKE := uv run invoke

.PHONY: help up down test lint clean report bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

up: ## start the stack, return once healthy (invoke up)
	$(INVOKE) up

down: ## stop the stack, keep the data (invoke down)
	$(INVOKE) down

test: ## run the test suite (invoke test: uv run --locked pytest)
	$(INVOKE) test

lint: ## run every lint gate of CI (invoke lint)
	$(INVOKE) lint

clean: ## remove the kit's containers and images, keep the data (invoke clean)
	$(INVOKE) clean

report: ## capture the lab's evidence into reports/ (invoke report)
	$(INVOKE) report

bench: ## measure the kit against the lab's naive setup (invoke bench)
	$(INVOKE) bench

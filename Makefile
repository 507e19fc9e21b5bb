# swerve: two commands set everything up on a fresh Debian machine with Swift:
#   make run    install the C libraries, build release, serve ./models on :8500
#   make test   install what the tests need, build, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libuv1-dev libprotobuf-c-dev protobuf-c-compiler libhttp-parser-dev libhiredis-dev pkg-config
# Streaming pipeline (swerve stream): RabbitMQ client and cairo for the error histogram.
APT_PACKAGES += librabbitmq-dev libcairo2-dev
TEST_APT_PACKAGES := $(APT_PACKAGES) redis-server redis-tools curl docker-compose
# The streaming tests start a real broker.
TEST_APT_PACKAGES += rabbitmq-server
# swerve batch: SQLite embedded, MySQL/MariaDB through Connector/C; the tests start a real mariadbd.
APT_PACKAGES += libsqlite3-dev libmariadb-dev
TEST_APT_PACKAGES += libsqlite3-dev libmariadb-dev mariadb-server mariadb-client
# TLS on every port (OpenSSL 3), and auth tokens' SHA-256 digests (libcrypto);
# the TLS tests make their certificates with the openssl CLI.
APT_PACKAGES += libssl-dev
TEST_APT_PACKAGES += libssl-dev openssl
# gRPC: HTTP/2 through nghttp2, grpc-encoding gzip through zlib.
APT_PACKAGES += libnghttp2-dev zlib1g-dev
TEST_APT_PACKAGES += libnghttp2-dev zlib1g-dev
# REST conformance tools (pinned): schemathesis fuzzes openapi.yaml, tritonclient checks KServe V2.
REST_PIP_PACKAGES := 'schemathesis==3.39.16' 'tritonclient[http]==2.73.0'
# Manifest checks (pinned): kubernetes-validate bundles the Kubernetes schemas;
# jsonschema + PyYAML check deploy/kserve/ against the vendored KServe CRDs.
MANIFEST_PIP_PACKAGES := 'kubernetes-validate==1.37.0' 'jsonschema==4.26.0' 'PyYAML==6.0.3'
# gRPC conformance tools (issue 16), pinned to versions that resolve together, in their own
# virtual environment under .build so they never fight the tools above: tritonclient's gRPC client,
# grpcio with its health stub, grpcio-tools to compile TF Serving's Python stubs from proto/.
TEST_APT_PACKAGES += python3-venv
GRPC_VENV := .build/grpc-venv
GRPC_STUBS := .build/grpc-stubs
GRPC_PIP_PACKAGES := 'tritonclient[grpc]==2.73.0' 'grpcio==1.81.1' 'grpcio-tools==1.81.1' \
	'grpcio-health-checking==1.81.1' 'protobuf==6.33.6' 'numpy==2.4.6'
# Raw HTTP/2 frames for the abuse checks (scripts/grpc-abuse-check.py).
GRPC_PIP_PACKAGES += 'h2==4.1.0' 'hpack==4.2.0' 'hyperframe==6.1.0'
# One importable module per pinned distribution, checked by the install guard.
GRPC_PY_MODULES := tritonclient.grpc grpc grpc_tools.protoc grpc_health.v1.health_pb2_grpc google.protobuf numpy h2 hpack hyperframe
GRPC_STUB_PROTOS := $(shell find proto/tensorflow proto/tensorflow_serving -name '*.proto' 2>/dev/null | LC_ALL=C sort)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8500
MODELS ?= ./models

.PHONY: bench-peer-deps profile test-asan test-tsan soak grpc-test-deps bench-grpc rest-test-deps rest-schemathesis manifest-deps manifests-check bench-stream help deps test-deps build release run test models proto proto-check bench-runtime clean

help:
	@echo "make run    - build release and serve $(MODELS) on $(HOST):$(PORT)"
	@echo "make test   - install test dependencies, build, run all tests"
	@echo "make models - retrain and re-export models/ and the parity fixtures"
	@echo "make proto  - regenerate protobuf-c code from proto/"
	@echo "make test-asan / test-tsan - the Swift tests under AddressSanitizer / ThreadSanitizer"
	@echo "make soak   - SOAK_MINUTES (10) of mixed load with version churn and worker kills; verdict and plot"

# Installs the Debian packages only when one is missing, so repeat runs are quick.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The tests start their own redis-server, rabbitmq-server and mariadbd on
# free ports; a policy-rc.d answering 101 keeps the packages' own services
# from starting while they install (no systemd here, and nothing should
# hold 6379, 5672 or 3306).
test-deps:
	@missing=$$(for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		policy=; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null && $(SUDO) chmod +x /usr/sbin/policy-rc.d && policy=1; \
		fi; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		status=$$?; \
		if [ -n "$$policy" ]; then $(SUDO) rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

# REST test tools, installed with pip only when missing.
rest-test-deps:
	@if ! python3 -c "import schemathesis, tritonclient.http" >/dev/null 2>&1; then \
		echo "installing: $(REST_PIP_PACKAGES)"; \
		pip install -q $(REST_PIP_PACKAGES); \
	fi

# The gRPC venv, (re)installed only when a pinned distribution is missing, at another version,
# or does not import; then TF Serving's Python stubs compiled from the vendored protos.
grpc-test-deps: test-deps
	@if ! $(GRPC_VENV)/bin/python scripts/venv-check.py --pins $(GRPC_PIP_PACKAGES) --modules $(GRPC_PY_MODULES) 2>/dev/null; then \
		echo "installing into $(GRPC_VENV): $(GRPC_PIP_PACKAGES)"; \
		python3 -m venv $(GRPC_VENV) && \
		$(GRPC_VENV)/bin/pip install -q --disable-pip-version-check $(GRPC_PIP_PACKAGES) && \
		$(GRPC_VENV)/bin/python scripts/venv-check.py --pins $(GRPC_PIP_PACKAGES) --modules $(GRPC_PY_MODULES); \
	fi
	@$(MAKE) --no-print-directory $(GRPC_STUBS)/.stamp

$(GRPC_STUBS)/.stamp: $(GRPC_STUB_PROTOS) $(GRPC_VENV)/bin/python
	rm -rf $(GRPC_STUBS) && mkdir -p $(GRPC_STUBS)
	$(GRPC_VENV)/bin/python -m grpc_tools.protoc -Iproto --python_out=$(GRPC_STUBS) --grpc_python_out=$(GRPC_STUBS) $(GRPC_STUB_PROTOS)
	touch $@

# schemathesis against openapi.yaml on a live server: no 5xx in >= 500 requests.
rest-schemathesis: rest-test-deps
	scripts/rest-schemathesis.sh .build/debug/swerve

# Kubernetes and KServe manifests, validated offline.
manifest-deps:
	@if ! python3 -c "import kubernetes_validate, jsonschema, yaml" >/dev/null 2>&1; then \
		echo "installing: $(MANIFEST_PIP_PACKAGES)"; \
		pip install -q $(MANIFEST_PIP_PACKAGES); \
	fi

# The module entry point, since a freshly pip-installed script may not be on PATH yet.
manifests-check: manifest-deps
	python3 -m kubernetes_validate --strict deploy/kubernetes/*.yaml
	python3 scripts/validate-kserve.py

build: deps
	swift build

release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)

run: release
	.build/release/swerve serve --models $(MODELS) --host $(HOST) --port $(PORT)

proto:
	scripts/gen-proto.sh

proto-check: deps
	scripts/gen-proto.sh --check

test: test-deps rest-test-deps proto-check compose-check manifests-check grpc-test-deps
	swift build --build-tests
	$(MAKE) rest-schemathesis
	swift test --skip-build --disable-swift-testing

# No Docker engine runs here: the compose file is checked, and the same
# topology runs as local processes (scripts/topology.sh, tested end to end).
compose-check: test-deps
	docker-compose -f docker-compose.yml config -q
	@echo "docker-compose.yml: valid"

models:
	pip install -q -r models/requirements.txt
	python3 models/train.py

bench-runtime: release
	scripts/bench-runtime.sh

# The streaming pipeline beside the same pipeline in Python (pika, onnxruntime) on one broker.
bench-stream: release
	scripts/bench-stream.sh

# swerve beside redis-benchmark, nginx+wrk and the seeds' FastAPI pattern in one run (BENCHMARKS.md).
bench: release
	scripts/bench-compare.sh

# The seeds' FastAPI pattern (../shared/peers/web_single_pattern) as bench-compare runs it:
# its Python packages in a venv of their own, pinned; onnxruntime as models/requirements.txt pins it.
PEER_VENV := .build/peer-venv
PEER_PIP_PACKAGES := 'fastapi==0.165.0' 'uvicorn==0.55.0' 'gunicorn==27.0.1' 'httptools==0.9.0' \
	'uvloop==0.23.0' 'pydantic==2.14.4' 'numpy==2.4.6' \
	'$(shell grep '^onnxruntime==' models/requirements.txt)'
bench-peer-deps:
	@if ! $(PEER_VENV)/bin/python scripts/venv-check.py --pins $(PEER_PIP_PACKAGES) \
		--modules fastapi uvicorn gunicorn onnxruntime 2>/dev/null; then \
		echo "installing into $(PEER_VENV): $(PEER_PIP_PACKAGES)"; \
		python3 -m venv $(PEER_VENV) && \
		$(PEER_VENV)/bin/pip install -q --disable-pip-version-check $(PEER_PIP_PACKAGES); \
	fi

# Where a loaded server's CPU goes (perf) and its heap allocations per request (scripts/profile.sh).
profile: release
	scripts/profile.sh

# Prediction cache and adaptive batching, each on and off (needs models/requirements.txt: make models).
bench-cache-batching: release
	pip install -q -r models/requirements.txt
	scripts/bench-cache-batching.sh

# TLS against plain (binary and REST) and nginx's fixed 200 over TLS (issue 18; needs nginx for the reference row).
bench-tls: release
	scripts/bench-tls.sh

# swerve batch predict (CSV -> CSV, 1M rows) beside pandas + onnxruntime, and
# batch run rows/s on SQLite and MariaDB (BENCHMARKS.md).
bench-batch: release
	scripts/bench-batch.sh

# gRPC ModelInfer on swerve beside a fixed-answer C++ gRPC server and a Python grpcio + onnxruntime
# server (issue 16); h2load drives all three. Bench-only packages, never installed by make test.
GRPC_BENCH_APT_PACKAGES := nghttp2-client libgrpc++-dev protobuf-compiler-grpc protobuf-compiler
bench-grpc: release grpc-test-deps
	@missing=$$(for p in $(GRPC_BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@$(GRPC_VENV)/bin/python -c "import onnxruntime" 2>/dev/null || \
		$(GRPC_VENV)/bin/pip install -q --disable-pip-version-check $$(grep '^onnxruntime==' models/requirements.txt)
	scripts/bench-grpc.sh

# Robustness (issue 19). Sanitizers: the Swift test targets under AddressSanitizer
# or ThreadSanitizer, each in its own scratch path (.build-asan, .build-tsan);
# slow, so not in CI. Soak: SOAK_MINUTES of mixed load at 80% of the measured
# peak with version churn and worker SIGKILLs; verdict and plot (scripts/soak.sh).
SOAK_MINUTES ?= 10
# grpc-test-deps: the gRPC process tests drive swerve with the venv's Python clients.
test-asan: test-deps grpc-test-deps
	scripts/sanitizer-tests.sh address

test-tsan: test-deps grpc-test-deps
	scripts/sanitizer-tests.sh thread

soak: test-deps release
	scripts/soak.sh --minutes $(SOAK_MINUTES)

# Fuzzing (issue 19; RELIABILITY.md): libFuzzer targets in Fuzz/, built into
# .build-fuzz with -sanitize=fuzzer,address, each run FUZZ_SECONDS, FUZZ_JOBS
# targets side by side (the script's default: one per core); FUZZ_CONFIG=debug
# for an unoptimised build (CI's short pass).
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-corpus
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_TARGETS)

# Rewrites the seed corpora from the fixtures (Tests/Fuzz/corpus/); the gRPC
# seeds are built with the gRPC venv's h2 libraries and stubs.
fuzz-corpus: grpc-test-deps
	$(GRPC_VENV)/bin/python scripts/fuzz-corpus.py

clean:
	rm -rf .build

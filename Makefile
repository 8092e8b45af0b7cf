# EdgeFER: `make run` (daemon on the default source + a local broker) and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libv4l-dev libjpeg-dev libsystemd-dev libmosquitto-dev libopenblas-dev pkg-config \
	mosquitto mosquitto-clients opencv-data zlib1g-dev openssl v4l-utils \
	qemu-system-x86 busybox-static cpio kmod python3-venv
SWIFT_BUILD_FLAGS ?=

.PHONY: deps oracles build release run test clean

# Installs only what is missing, so repeated runs are quick and need no network.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@pkg-config --exists libv4l2 libjpeg libsystemd libmosquitto openblas || { echo "pkg-config cannot find a C library"; exit 1; }

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)

run: release
	scripts/run_demo.sh

# Python packages used only as test oracles (LiteRT loads our exported models), in git-ignored .venv/.
oracles:
	scripts/venv.sh 'ai-edge-litert' >/dev/null

test: deps oracles
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)
	@if [ -x scripts/test_v4l2.sh ]; then scripts/test_v4l2.sh; fi

clean:
	rm -rf .build

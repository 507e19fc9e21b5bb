# swerve in a container: build with the Swift toolchain image, run on slim Debian.
#   docker build -t swerve .
#   docker run -p 8500:8500 -p 8501:8501 swerve
# The build step runs the same Makefile target as `make run` (make release).
ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      make pkg-config libuv1-dev libprotobuf-c-dev protobuf-c-compiler libhttp-parser-dev libhiredis-dev \
      libsqlite3-dev libmariadb-dev librabbitmq-dev libcairo2-dev \
      libssl-dev libnghttp2-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Static Swift runtime: the run image needs only the C libraries below.
RUN make release SWIFT_BUILD_FLAGS="--static-swift-stdlib" \
 && install -D .build/release/swerve /out/swerve

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libprotobuf-c1 libhttp-parser2.9 libhiredis0.14 libstdc++6 ca-certificates \
      libsqlite3-0 libmariadb3 librabbitmq4 libcairo2 \
      libssl3 libnghttp2-14 zlib1g \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/swerve /usr/local/bin/swerve
COPY models /srv/models
# One repository per fan-out member, each holding just its model.
RUN for m in iris-setosa iris-versicolor iris-virginica; do \
      mkdir -p /srv/members/$m && cp -r /srv/models/$m /srv/members/$m/$m; \
    done
ENV SWERVE_MODELS=/srv/models SWERVE_HOST=0.0.0.0
EXPOSE 8500 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["swerve", "health", "--server", "127.0.0.1:8500"]
ENTRYPOINT ["swerve"]
CMD ["serve"]

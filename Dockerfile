# syntax=docker/dockerfile:1
# dfopt in a container: a static binary on a distroless base.
#
#   docker build -t dfopt .
#   docker run --rm -v "$PWD:/work" dfopt diff .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=devel
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/dfopt ./cmd/dfopt

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dfopt /usr/local/bin/dfopt
WORKDIR /work
ENTRYPOINT ["dfopt"]
CMD ["diff", "."]

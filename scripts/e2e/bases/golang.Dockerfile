# golang:VERSION — the machine's Go toolchain (named context `goroot`) on
# Debian, laid out like the official images: GOPATH=/go, GOTOOLCHAIN=local.
ARG BASE=debian:bookworm
FROM ${BASE}
ARG GOPROXY=https://proxy.golang.org,direct
COPY --from=goroot / /usr/local/go/
ENV GOPATH=/go \
    GOTOOLCHAIN=local \
    GOPROXY=${GOPROXY} \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
CMD ["bash"]

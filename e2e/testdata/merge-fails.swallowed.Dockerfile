# fixtures/merge-fails joined without grouping: the last body's `|| true`
# swallows the failing `test`, so this builds where the original fails.
FROM debian:bookworm-slim
RUN mkdir -p /srv/app && \
    touch /srv/app/ready && \
    test -e /nonexistent && \
    [ "$(uname -m)" = nosuch ] && echo x >/srv/app/arch || true

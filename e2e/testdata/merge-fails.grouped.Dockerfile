# fixtures/merge-fails joined with the last body grouped: it fails at the
# same command as the original, on another line.
FROM debian:bookworm-slim
RUN mkdir -p /srv/app && \
    touch /srv/app/ready && \
    test -e /nonexistent && \
    { [ "$(uname -m)" = nosuch ] && echo x >/srv/app/arch || true; }

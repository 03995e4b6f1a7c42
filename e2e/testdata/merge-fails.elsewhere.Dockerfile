# A rewrite of fixtures/merge-fails that fails too, but at another
# command: the outcome is not kept.
FROM debian:bookworm-slim
RUN mkdir -p /srv/app && \
    test -e /srv/app/ready
RUN test -e /nonexistent

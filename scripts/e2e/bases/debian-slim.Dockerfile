# debian:bookworm-slim — like the official slim image: the same root
# filesystem without documentation, manual pages and translations, and a
# dpkg configuration that keeps packages installed later from adding them.
# Context: the root filesystem made by setup.sh (see the .dockerignore).
FROM scratch
COPY / /
COPY <<'DPKG' /etc/dpkg/dpkg.cfg.d/docker
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
DPKG
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["bash"]

# debian:bookworm — the debootstrap'd root filesystem (minbase) as an image.
# Context: the root filesystem made by setup.sh.
FROM scratch
COPY / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["bash"]

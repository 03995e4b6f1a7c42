# python:3.11 — Debian's Python 3.11 with pip, setuptools, wheel and venv.
# As in the official images, pip may install into the system (no
# EXTERNALLY-MANAGED marker) and `python` is Python 3.
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip \
      python3-setuptools python3-wheel python3-venv python-is-python3 \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
 && python --version && pip --version
ENV PYTHONUNBUFFERED=1
CMD ["python3"]

# STOP intake: API and worker image (one image, two commands).
# Not built on the development machines (they have no Docker engine); see docs/operations.md.
#   docker build -t stop-intake .
#   docker run -e STOP_DATABASE_URL=... -e STOP_SECRET_KEY=... stop-intake serve --host 0.0.0.0
#   docker run -e STOP_DATABASE_URL=... stop-intake worker

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
# torch's CPU build first, from PyTorch's CPU index, so argos-translate never pulls CUDA.
RUN /opt/venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /app
# The source tree, less what .dockerignore leaves out (tests, benchmarks, local state):
# no list of packages to keep in step here.
COPY . .
# Editable on purpose: the top-level packages have generic names (api, models…) and must
# not land in site-packages; the source tree at /app is the installation.
RUN /opt/venv/bin/pip install -e .

FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/stop --create-home stop
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STOP_DATA_DIR=/var/lib/stop
WORKDIR /var/lib/stop
USER stop
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
ENTRYPOINT ["stop-intake"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

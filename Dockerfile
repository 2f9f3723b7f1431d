# userpool in a container: the wheel built in one stage, installed in a slim runtime stage
# that runs as a non-root user. docs/deployment.md ("Container") says how to run it.
#   docker build -t userpool .
#   docker run -d -p 127.0.0.1:9229:9229 -v userpool-data:/data userpool

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --disable-pip-version-check build==1.6.1
COPY pyproject.toml README.md ./
COPY userpool ./userpool
RUN python -m build --wheel --outdir /dist .

FROM python:3.11-slim
# The data folder (SQLite database, its master key and the first access key by default;
# the self-signed TLS files in /data/tls) and /keys, for a master key kept on
# another volume (USERPOOL_MASTER_KEY_FILE=/keys/master.key), are the user's, 0700: the
# server refuses a data folder open to others. A named volume mounted on either takes
# this owner and mode the first time.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin userpool \
    && install -d -m 0700 -o userpool -g userpool /data /keys
COPY --from=build /dist/ /tmp/dist/
RUN pip install --no-cache-dir --disable-pip-version-check /tmp/dist/*.whl && rm -rf /tmp/dist
# Every setting is a USERPOOL_<NAME> variable (`userpool serve --help` names each); these
# are the container's defaults. 0.0.0.0: the port must be reachable from outside the
# container (publish it on 127.0.0.1 unless others should reach it); --dev, which accepts
# any credentials, is refused off loopback, so admin calls are signed with an access key.
ENV USERPOOL_HOST=0.0.0.0 \
    USERPOOL_PORT=9229 \
    USERPOOL_DB=/data/userpool.db \
    PYTHONUNBUFFERED=1
USER userpool
WORKDIR /data
VOLUME /data
EXPOSE 9229
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('USERPOOL_PORT', '9229'), timeout=2)"]
ENTRYPOINT ["userpool"]
CMD ["serve"]

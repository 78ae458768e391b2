# Jiesu service image: CPU only, no model hub access needed at run time.
# Stage 1 builds the wheel and a virtual environment; stage 2 carries only the environment. The image serves
# trained models (ONNX, no torch) found under $JIESU_HOME/models; training runs where the `ml` extra is installed.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY catalog ./catalog
COPY serving ./serving
COPY model ./model
COPY training ./training
RUN python -m venv /opt/jiesu \
 && /opt/jiesu/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/jiesu/bin/pip install --no-cache-dir '.[inference]'

FROM python:3.11-slim AS runtime
# A CJK font, so the reports' charts show Chinese.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 jiesu
COPY --from=build /opt/jiesu /opt/jiesu
ENV PATH=/opt/jiesu/bin:$PATH \
    JIESU_HOME=/var/lib/jiesu \
    PYTHONUNBUFFERED=1
RUN mkdir -p /var/lib/jiesu && chown jiesu /var/lib/jiesu
USER jiesu
VOLUME ["/var/lib/jiesu"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health')"
CMD ["jiesu", "serve", "--host", "0.0.0.0", "--port", "8000"]

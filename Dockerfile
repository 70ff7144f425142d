# The cloud's image: one image for the API (`shopfloor cloud api`, gunicorn), the ingest
# worker (`shopfloor cloud ingest`) and migrations (`shopfloor cloud migrate`); the command
# picks which. Configured from the environment: DATABASE_URL and SHOPFLOOR_CLOUD_<SECTION>_<KEY>.
# Build from the repository root: docker build -t shopfloor-cloud .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# gunicorn keeps a control socket under $HOME, so the user gets a home of its own.
RUN useradd --system --create-home --home-dir /home/shopfloor --shell /usr/sbin/nologin shopfloor
WORKDIR /app

# The `shopfloor` command registers both sides' subcommands, so the hub package comes along;
# its heavy modules load only when a hub command runs.
COPY pyproject.toml constraints.txt README.md shopfloor_cli.py ./
COPY protocols ./protocols
COPY edge ./edge
COPY cloud ./cloud
RUN pip install -c constraints.txt . && rm -rf build *.egg-info

USER shopfloor
# Inside a container the API must listen beyond loopback; publish the port on 127.0.0.1 only
# (docker-compose.yml does) until the API has authentication.
ENV SHOPFLOOR_CLOUD_API_HOST=0.0.0.0 \
    SHOPFLOOR_CLOUD_DATA_DIR=/tmp/shopfloor
EXPOSE 8000
CMD ["shopfloor", "cloud", "api"]

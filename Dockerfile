# Production image: one image, three roles (web, worker, beat) chosen by the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY bot bot
COPY channels channels
COPY admin_web admin_web
COPY mobile mobile
COPY ussd ussd
COPY dialogs dialogs
COPY nlu nlu
COPY core core
RUN pip install --no-cache-dir . && useradd --system --uid 10001 ibimina
USER ibimina
EXPOSE 8000
CMD ["ibimina", "serve", "--host", "0.0.0.0", "--port", "8000"]

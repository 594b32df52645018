// HTTP: the read-only status page, JSON API, /metrics and /healthz.
